import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { orgScopesOf, requiredOrg, withOwnOrgScopesOnly } from '../../src/domain/rules/org-scopes.ts';
import { isReservedScope, parseReservedScopes, splitScope } from '../../src/domain/rules/scopes.ts';

describe('reserved scopes', () => {
  it('parses every reserved scope of the spec', () => {
    const parsed = parseReservedScopes(
      [
        'openid',
        'urn:zitadel:iam:org:id:111',
        'urn:zitadel:iam:org:domain:primary:acme.example.com',
        'urn:zitadel:iam:org:project:role:accountant',
        'urn:zitadel:iam:org:project:role:developer',
        'urn:zitadel:iam:org:projects:roles',
        'urn:zitadel:iam:org:project:id:222:aud',
        'urn:zitadel:iam:org:project:id:zitadel:aud',
        'urn:zitadel:iam:org:roles:id:333',
        'urn:zitadel:iam:org:idp:id:444',
        'urn:zitadel:iam:user:metadata',
        'urn:zitadel:iam:user:resourceowner',
      ].join(' '),
    );
    assert.deepEqual(parsed, {
      orgIds: ['111'],
      orgPrimaryDomains: ['acme.example.com'],
      roleKeys: ['accountant', 'developer'],
      projectsRoles: true,
      audienceProjectIds: ['222', 'zitadel'],
      roleOrgIds: ['333'],
      idpIds: ['444'],
      metadata: true,
      resourceOwner: true,
    });
  });

  it('ignores a project id scope without the :aud suffix and empty suffixes', () => {
    const parsed = parseReservedScopes(
      [
        'urn:zitadel:iam:org:project:id:222',
        'urn:zitadel:iam:org:project:id::aud',
        'urn:zitadel:iam:org:id:',
        'urn:zitadel:iam:org:project:role:',
      ].join(' '),
    );
    assert.deepEqual(parsed.audienceProjectIds, []);
    assert.deepEqual(parsed.orgIds, []);
    assert.deepEqual(parsed.roleKeys, []);
  });

  it('does not treat legacy or claim-name scopes as reserved', () => {
    assert.equal(isReservedScope('urn:iam:org:project:roles'), false);
    assert.equal(isReservedScope('urn:zitadel:iam:org:project:roles'), false);
    assert.equal(isReservedScope('urn:zitadel:iam:org:projects:roles'), true);
    assert.equal(isReservedScope('urn:zitadel:iam:org:id:1'), true);
  });

  it('deduplicates and splits scope strings and arrays', () => {
    assert.deepEqual(splitScope('openid  openid profile'), ['openid', 'profile']);
    assert.deepEqual(splitScope(['a', 'a', 'b']), ['a', 'b']);
    assert.deepEqual(splitScope(undefined), []);
  });

  it('tells which org a login is restricted to', () => {
    const byId = { scope: 'urn:zitadel:iam:org:id:1', by: 'id', value: '1' };
    const byDomain = { scope: 'urn:zitadel:iam:org:domain:primary:a.b', by: 'primaryDomain', value: 'a.b' };
    assert.deepEqual(orgScopesOf('openid profile'), []);
    assert.deepEqual(orgScopesOf('urn:zitadel:iam:org:id:1'), [byId]);
    assert.deepEqual(orgScopesOf('urn:zitadel:iam:org:domain:primary:a.b'), [byDomain]);
    assert.deepEqual(orgScopesOf('urn:zitadel:iam:org:domain:primary:a.b urn:zitadel:iam:org:id:1'), [byId, byDomain]);
  });

  it('requires every org scope to name the same org; an inactive one counts only where the login allows it', () => {
    const active = { _id: '1', state: 'active' };
    const inactive = { _id: '2', state: 'inactive' };
    const [byId, byDomain] = orgScopesOf('urn:zitadel:iam:org:id:1 urn:zitadel:iam:org:domain:primary:a.b');
    const naming = (org: typeof active | null, scope = byId!) => ({ ...scope, org });
    const anyState = { activeOnly: false };
    assert.deepEqual(requiredOrg([], anyState), { kind: 'none' });
    assert.deepEqual(requiredOrg([naming(active), naming(active, byDomain)], anyState), { kind: 'org', org: active });
    assert.deepEqual(requiredOrg([naming(active), naming(null, byDomain)], anyState), { kind: 'unknown' });
    assert.deepEqual(requiredOrg([naming(active), naming(inactive, byDomain)], anyState), { kind: 'conflict' });
    assert.deepEqual(requiredOrg([naming(inactive)], anyState), { kind: 'org', org: inactive });
    assert.deepEqual(requiredOrg([naming(inactive)], { activeOnly: true }), { kind: 'unknown' });
    assert.deepEqual(requiredOrg([naming(active), naming(inactive, byDomain)], { activeOnly: true }), {
      kind: 'unknown',
    });
  });

  it("keeps a machine user's org scopes only when they name its own org", () => {
    const scopes = ['openid', 'urn:zitadel:iam:org:id:1', 'urn:zitadel:iam:org:domain:primary:a.b'];
    const [byId, byDomain] = orgScopesOf(scopes);
    const resolved = [
      { ...byId!, org: { _id: '1' } },
      { ...byDomain!, org: null },
    ];
    assert.deepEqual(withOwnOrgScopesOnly(scopes, resolved, '1'), ['openid', 'urn:zitadel:iam:org:id:1']);
    assert.deepEqual(withOwnOrgScopesOnly(scopes, resolved, '2'), ['openid']);
  });
});
