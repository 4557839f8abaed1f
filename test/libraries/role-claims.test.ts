import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { audienceAdmits, resolveProjectAliases, tokenAudience } from '../../src/domain/rules/audience.ts';
import { roleAudience, roleClaims, rolesByProject, type RoleRequest } from '../../src/domain/rules/role-claims.ts';
import { allowedScopes, withAssertedRoleScopes } from '../../src/domain/rules/scopes.ts';
import { reservedUserClaims, scopedStandardClaims, standardClaims } from '../../src/domain/rules/user-claims.ts';

const base: RoleRequest = {
  currentProjectId: 'p1',
  projectRoleAssertion: false,
  audienceProjectIds: [],
  roleKeys: [],
  projectsRoles: false,
  introspection: false,
};
const domains = new Map([
  ['orgA', 'a.example.com'],
  ['orgB', 'b.example.com'],
]);

describe('role claims (docs/zitadel-behaviour.md §2.1, §2.2)', () => {
  it('queries no project without role scopes or projectRoleAssertion, and the current one with either', () => {
    assert.deepEqual(roleAudience(base), []);
    assert.deepEqual(roleAudience({ ...base, projectRoleAssertion: true }), ['p1']);
    assert.deepEqual(roleAudience({ ...base, roleKeys: ['admin'] }), ['p1']);
    assert.deepEqual(roleAudience({ ...base, introspection: true }), ['p1']);
  });

  it('adds :aud projects only with a role scope or projects:roles, and never for introspection', () => {
    assert.deepEqual(roleAudience({ ...base, audienceProjectIds: ['p2'] }), []);
    assert.deepEqual(roleAudience({ ...base, audienceProjectIds: ['p2'], projectsRoles: true }), ['p2', 'p1']);
    assert.deepEqual(roleAudience({ ...base, audienceProjectIds: ['p2'], projectsRoles: true, introspection: true }), [
      'p1',
    ]);
    assert.deepEqual(
      roleAudience({ ...base, currentProjectId: null, audienceProjectIds: ['p2'], projectsRoles: true }),
      ['p2'],
    );
  });

  it('keys roles by granting org and merges grants of several orgs', () => {
    const byProject = rolesByProject(
      [
        { projectId: 'p1', orgId: 'orgA', roleKeys: ['admin', 'viewer'] },
        { projectId: 'p1', orgId: 'orgB', roleKeys: ['viewer'] },
        { projectId: 'p2', orgId: 'orgB', roleKeys: ['viewer'] },
      ],
      domains,
      base,
    );
    assert.deepEqual(roleClaims(byProject, 'p1', false), {
      'urn:zitadel:iam:org:project:p1:roles': {
        admin: { orgA: 'a.example.com' },
        viewer: { orgA: 'a.example.com', orgB: 'b.example.com' },
      },
      'urn:zitadel:iam:org:project:p2:roles': { viewer: { orgB: 'b.example.com' } },
      'urn:zitadel:iam:org:project:roles': {
        admin: { orgA: 'a.example.com' },
        viewer: { orgA: 'a.example.com', orgB: 'b.example.com' },
      },
    });
  });

  it('filters by requested role keys across projects, and adds the flat claim for the current project', () => {
    const byProject = rolesByProject(
      [
        { projectId: 'p1', orgId: 'orgA', roleKeys: ['admin', 'viewer'] },
        { projectId: 'p2', orgId: 'orgB', roleKeys: ['viewer', 'other'] },
      ],
      domains,
      { roleKeys: ['viewer'] },
    );
    assert.deepEqual(roleClaims(byProject, 'p1', true), {
      'urn:zitadel:iam:org:project:p1:roles': { viewer: { orgA: 'a.example.com' } },
      'urn:zitadel:iam:org:project:p2:roles': { viewer: { orgB: 'b.example.com' } },
      'urn:zitadel:iam:org:project:roles': { viewer: { orgA: 'a.example.com' } },
      roles: ['viewer'],
    });
  });

  it('omits the generic claim when the current project has no role (machine users have none)', () => {
    const byProject = rolesByProject([{ projectId: 'p2', orgId: 'orgA', roleKeys: ['x'] }], domains, base);
    assert.deepEqual(roleClaims(byProject, null, true), {
      'urn:zitadel:iam:org:project:p2:roles': { x: { orgA: 'a.example.com' } },
    });
  });
});

describe('audience', () => {
  it('is the project audience plus :aud projects, with the zitadel alias resolved', () => {
    assert.deepEqual(resolveProjectAliases(['zitadel', 'p9', 'zitadel'], 'mgmt'), ['mgmt', 'p9']);
    assert.deepEqual(tokenAudience(['c1', 'c2', 'p1'], ['mgmt'], 'c1'), ['c1', 'c2', 'p1', 'mgmt']);
    assert.deepEqual(tokenAudience(null, [], 'machine'), ['machine']);
    assert.deepEqual(tokenAudience(null, ['mgmt'], 'machine'), ['mgmt']);
  });

  it('admits a caller by client id or project id only', () => {
    assert.equal(audienceAdmits(['c1', 'p1'], { clientId: 'c2', projectId: 'p1' }), true);
    assert.equal(audienceAdmits(['c1', 'p1'], { clientId: 'c1', projectId: null }), true);
    assert.equal(audienceAdmits('c1', { clientId: 'c3', projectId: 'p3' }), false);
    assert.equal(audienceAdmits(undefined, { clientId: 'c3', projectId: null }), false);
  });
});

describe('scope filtering at /authorize (docs/zitadel-behaviour.md §1.1)', () => {
  it('keeps standard and reserved scopes, drops legacy and unknown ones, and role scopes of other projects', () => {
    const requested = [
      'openid',
      'profile',
      'urn:iam:org:project:roles',
      'urn:zitadel:iam:org:project:roles',
      'custom',
      'urn:zitadel:iam:org:project:role:admin',
      'urn:zitadel:iam:org:project:role:foreign',
      'urn:zitadel:iam:user:metadata',
    ].join(' ');
    assert.deepEqual(allowedScopes(requested, ['admin']), [
      'openid',
      'profile',
      'urn:zitadel:iam:org:project:role:admin',
      'urn:zitadel:iam:user:metadata',
    ]);
    assert.deepEqual(allowedScopes('urn:zitadel:iam:org:project:role:foreign', 'any'), [
      'urn:zitadel:iam:org:project:role:foreign',
    ]);
  });

  it('freezes one role scope per project role when projectRoleAssertion applies and none was asked for', () => {
    assert.deepEqual(withAssertedRoleScopes(['openid'], ['a', 'b']), [
      'openid',
      'urn:zitadel:iam:org:project:role:a',
      'urn:zitadel:iam:org:project:role:b',
    ]);
    assert.deepEqual(withAssertedRoleScopes(['urn:zitadel:iam:org:project:role:a'], ['a', 'b']), [
      'urn:zitadel:iam:org:project:role:a',
    ]);
  });
});

describe('user claims (docs/zitadel-behaviour.md §2.3–§2.5)', () => {
  const user = {
    _id: 'u1',
    type: 'human' as const,
    username: 'alice',
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    human: {
      email: 'alice@example.com',
      emailVerified: true,
      givenName: 'Alice',
      familyName: 'Alpha',
      displayName: 'Alice A.',
    },
    metadata: [{ key: 'tier', value: Buffer.from([0xfb, 0xff]) }],
  };
  const org = { _id: 'o1', name: 'Alpha', primaryDomain: 'alpha.example.com' };

  it('maps profile and email scopes', () => {
    assert.deepEqual(scopedStandardClaims(standardClaims(user, org), new Set(['openid', 'email'])), {
      email: 'alice@example.com',
      email_verified: true,
    });
    assert.deepEqual(scopedStandardClaims(standardClaims(user, org), new Set(['profile'])), {
      name: 'Alice A.',
      given_name: 'Alice',
      family_name: 'Alpha',
      updated_at: 1767225600,
      preferred_username: 'alice@alpha.example.com',
    });
  });

  it('emits resource-owner claims for the resourceowner scope and for an org-id scope, metadata as unpadded base64url', () => {
    assert.deepEqual(
      reservedUserClaims(user, org, {
        resourceOwner: false,
        orgIds: ['o1'],
        orgPrimaryDomains: ['alpha.example.com'],
        metadata: true,
      }),
      {
        'urn:zitadel:iam:org:id': 'o1',
        'urn:zitadel:iam:org:domain:primary': 'alpha.example.com',
        'urn:zitadel:iam:user:resourceowner:id': 'o1',
        'urn:zitadel:iam:user:resourceowner:name': 'Alpha',
        'urn:zitadel:iam:user:resourceowner:primary_domain': 'alpha.example.com',
        'urn:zitadel:iam:user:metadata': { tier: '-_8' },
      },
    );
    assert.deepEqual(
      reservedUserClaims({ ...user, metadata: [] }, org, {
        resourceOwner: false,
        orgIds: [],
        orgPrimaryDomains: [],
        metadata: true,
      }),
      {},
    );
  });
});
