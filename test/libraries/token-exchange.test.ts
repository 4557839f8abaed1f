// Token exchange's decisions (src/domain/rules/token-exchange.ts) on plain data: who may impersonate whom with the
// shipped role mapping, and audience and scope narrowing as ZITADEL's token_exchange.go decides them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { resolvePermissions, type MembershipFacts } from '../../src/domain/rules/permissions.ts';
import {
  decideImpersonation,
  isAuthorizationScope,
  narrowAudience,
  narrowScopes,
} from '../../src/domain/rules/token-exchange.ts';
import { loadRolePermissions } from '../../src/http/api/index.ts';

const mapping = loadRolePermissions();
const holding = (...memberships: MembershipFacts[]) => resolvePermissions(memberships, mapping);
const atInstance = (role: string): MembershipFacts => ({ level: 'instance', resourceId: 'i1', roles: [role] });
const inOrg = (orgId: string, role: string): MembershipFacts => ({ level: 'org', resourceId: orgId, roles: [role] });
const endUser = { orgId: 'beta', memberships: [] };
const admin = { orgId: 'beta', memberships: [inOrg('beta', 'ORG_USER_MANAGER')] };
const projectAdmin = {
  orgId: 'beta',
  memberships: [{ level: 'project', resourceId: 'p1', roles: ['PROJECT_OWNER'] } as MembershipFacts],
};

test('impersonation is refused while the instance does not enable it, whatever the actor holds', () => {
  const actorPermissions = holding(atInstance('IAM_ADMIN_IMPERSONATOR'));
  assert.equal(decideImpersonation({ enabled: false, actorPermissions, subject: endUser }), 'disabled');
  assert.equal(decideImpersonation({ enabled: true, actorPermissions, subject: endUser }), 'allowed');
});

test('end-user impersonators impersonate end users of their scope only, never administrators', () => {
  const org = holding(inOrg('beta', 'ORG_END_USER_IMPERSONATOR'));
  assert.equal(decideImpersonation({ enabled: true, actorPermissions: org, subject: endUser }), 'allowed');
  const elsewhere = { ...endUser, orgId: 'alpha' };
  assert.equal(
    decideImpersonation({ enabled: true, actorPermissions: org, subject: elsewhere }),
    'not-an-impersonator',
  );
  assert.equal(decideImpersonation({ enabled: true, actorPermissions: org, subject: admin }), 'subject-is-an-admin');
  const instance = holding(atInstance('IAM_END_USER_IMPERSONATOR'));
  assert.equal(decideImpersonation({ enabled: true, actorPermissions: instance, subject: elsewhere }), 'allowed');
  // Any manager role makes an administrator, a project role too.
  assert.equal(
    decideImpersonation({ enabled: true, actorPermissions: instance, subject: projectAdmin }),
    'subject-is-an-admin',
  );
});

test('admin impersonators impersonate administrators too, in their scope only', () => {
  const org = holding(inOrg('beta', 'ORG_ADMIN_IMPERSONATOR'));
  assert.equal(decideImpersonation({ enabled: true, actorPermissions: org, subject: admin }), 'allowed');
  const foreignAdmin = { ...admin, orgId: 'alpha' };
  assert.equal(
    decideImpersonation({ enabled: true, actorPermissions: org, subject: foreignAdmin }),
    'not-an-impersonator',
  );
  const instance = holding(atInstance('IAM_ADMIN_IMPERSONATOR'));
  assert.equal(decideImpersonation({ enabled: true, actorPermissions: instance, subject: foreignAdmin }), 'allowed');
});

test('no other role impersonates: an org owner, an instance owner, a role held at the wrong level', () => {
  for (const permissions of [
    holding(inOrg('beta', 'ORG_OWNER')),
    holding(atInstance('IAM_OWNER')),
    holding({ level: 'org', resourceId: 'beta', roles: ['IAM_ADMIN_IMPERSONATOR'] }),
    holding({ level: 'project', resourceId: 'p1', roles: ['ORG_END_USER_IMPERSONATOR'] }),
  ])
    assert.equal(
      decideImpersonation({ enabled: true, actorPermissions: permissions, subject: endUser }),
      'not-an-impersonator',
    );
});

test('audience: the subject’s by default (the actor’s when the subject has none), narrowed, never widened', () => {
  assert.deepEqual(narrowAudience([], ['app', 'p1'], ['other']), { values: ['app', 'p1'] });
  assert.deepEqual(narrowAudience([], [], ['app', 'p1']), { values: ['app', 'p1'] });
  assert.deepEqual(narrowAudience(['p1'], ['app', 'p1'], []), { values: ['p1'] });
  assert.deepEqual(narrowAudience(['p1', 'p2'], ['app', 'p1'], ['p2']), { values: ['p1', 'p2'] });
  assert.deepEqual(narrowAudience(['p1', 'p3'], ['app', 'p1'], ['p2']), { refused: 'p3' });
});

test('scopes: the subject’s by default, a subset of both tokens’, never wider (GHSA-vrh8-c9cm-wh8v)', () => {
  const subject = ['openid', 'profile', 'urn:zitadel:iam:org:project:id:p1:aud'];
  assert.deepEqual(narrowScopes({ requested: [], subject, actor: subject, actorPath: false }), { values: subject });
  assert.deepEqual(narrowScopes({ requested: ['openid'], subject, actor: subject, actorPath: false }), {
    values: ['openid'],
  });
  assert.deepEqual(narrowScopes({ requested: ['openid', 'email'], subject, actor: subject, actorPath: false }), {
    refused: 'email',
  });
  // A subject without scopes and no actor (an ID token exchanged by its own user): nothing to take scopes from.
  assert.deepEqual(narrowScopes({ requested: ['openid'], subject: null, actor: [], actorPath: false }), {
    refused: 'openid',
  });
});

test('impersonating a subject without scopes: claim scopes may be asked for, authorization scopes only from the actor', () => {
  const actor = ['openid', 'urn:zitadel:iam:org:project:id:p1:aud'];
  const impersonate = (requested: string[]) => narrowScopes({ requested, subject: null, actor, actorPath: true });
  assert.deepEqual(impersonate([]), { values: actor });
  assert.deepEqual(impersonate(['openid', 'profile', 'email']), { values: ['openid', 'profile', 'email'] });
  assert.deepEqual(impersonate(['openid', 'urn:zitadel:iam:org:project:id:p1:aud']), {
    values: ['openid', 'urn:zitadel:iam:org:project:id:p1:aud'],
  });
  assert.deepEqual(impersonate(['openid', 'urn:zitadel:iam:org:project:id:p2:aud']), {
    refused: 'urn:zitadel:iam:org:project:id:p2:aud',
  });
  assert.deepEqual(impersonate(['offline_access']), { refused: 'offline_access' });
  // A subject token with scopes: the union of both, claim scopes included.
  assert.deepEqual(narrowScopes({ requested: ['email'], subject: ['openid'], actor, actorPath: true }), {
    refused: 'email',
  });
});

test('authorization scopes are the ones that widen what a token may do', () => {
  for (const scope of [
    'offline_access',
    'urn:zitadel:iam:org:projects:roles',
    'urn:zitadel:iam:org:project:role:admin',
    'urn:zitadel:iam:org:project:id:p1:aud',
    'urn:zitadel:iam:org:id:o1',
    'urn:zitadel:iam:org:domain:primary:acme.example',
    'urn:zitadel:iam:org:roles:id:o1',
  ])
    assert.equal(isAuthorizationScope(scope), true, scope);
  for (const scope of ['openid', 'profile', 'email', 'urn:zitadel:iam:user:metadata'])
    assert.equal(isAuthorizationScope(scope), false, scope);
});
