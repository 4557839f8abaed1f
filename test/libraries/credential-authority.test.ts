import test from 'node:test';
import assert from 'node:assert/strict';
import { ungrantableMemberships, type HeldMembership } from '../../src/domain/rules/credential-authority.ts';
import { resolvePermissions, type MembershipFacts } from '../../src/domain/rules/permissions.ts';
import { loadRolePermissions } from '../../src/http/api/index.ts';

// Issue 13 item 11: who may issue a credential for a user, by the caller's permissions against the target's
// manager roles.

const mapping = loadRolePermissions();
const callerWith = (...memberships: MembershipFacts[]) => ({
  userId: 'caller',
  permissions: resolvePermissions(memberships, mapping),
});
const orgRole = (orgId: string, ...roles: string[]): MembershipFacts => ({ level: 'org', resourceId: orgId, roles });
const held = {
  iamOwner: { level: 'instance', resourceId: 'inst', orgId: 'inst', projectId: null, roles: ['X'] },
  acmeOwner: { level: 'org', resourceId: 'acme', orgId: 'acme', projectId: null, roles: ['X'] },
  betaOwner: { level: 'org', resourceId: 'beta', orgId: 'beta', projectId: null, roles: ['X'] },
  portalOwner: { level: 'project', resourceId: 'portal', orgId: 'acme', projectId: 'portal', roles: ['X'] },
  grantOwner: { level: 'projectGrant', resourceId: 'g1', orgId: 'beta', projectId: 'portal', roles: ['X'] },
} satisfies Record<string, HeldMembership>;
const target = (...memberships: HeldMembership[]) => ({ userId: 'target', memberships });

test('a user with no manager roles: anyone who reached the route may issue its credentials', () => {
  assert.deepEqual(ungrantableMemberships(callerWith(orgRole('acme', 'ORG_USER_MANAGER')), target()), []);
});

test('an org owner may issue credentials for its org’s managers, project and grant managers, not for an IAM owner', () => {
  const owner = callerWith(orgRole('acme', 'ORG_OWNER'));
  assert.deepEqual(ungrantableMemberships(owner, target(held.acmeOwner, held.portalOwner)), []);
  assert.deepEqual(ungrantableMemberships(owner, target(held.acmeOwner, held.iamOwner)), [held.iamOwner]);
  assert.deepEqual(ungrantableMemberships(owner, target(held.betaOwner)), [held.betaOwner]);
  // The grant's managers live in the granted org (beta): acme's owner cannot grant there, beta's owner can.
  assert.deepEqual(ungrantableMemberships(owner, target(held.grantOwner)), [held.grantOwner]);
  assert.deepEqual(ungrantableMemberships(callerWith(orgRole('beta', 'ORG_OWNER')), target(held.grantOwner)), []);
});

test('an org user manager cannot issue credentials for its org owner', () => {
  const manager = callerWith(orgRole('acme', 'ORG_USER_MANAGER'));
  assert.deepEqual(ungrantableMemberships(manager, target(held.acmeOwner)), [held.acmeOwner]);
});

test('an IAM owner may issue any credential; an IAM org manager not for an IAM owner', () => {
  const iamOwner = callerWith({ level: 'instance', resourceId: 'inst', roles: ['IAM_OWNER'] });
  assert.deepEqual(
    ungrantableMemberships(iamOwner, target(held.iamOwner, held.acmeOwner, held.portalOwner, held.grantOwner)),
    [],
  );
  const orgManager = callerWith({ level: 'instance', resourceId: 'inst', roles: ['IAM_ORG_MANAGER'] });
  assert.deepEqual(ungrantableMemberships(orgManager, target(held.iamOwner, held.acmeOwner)), [held.iamOwner]);
});

test('a project owner may issue credentials for its project’s managers only', () => {
  const projectOwner = callerWith({ level: 'project', resourceId: 'portal', roles: ['PROJECT_OWNER'] });
  assert.deepEqual(ungrantableMemberships(projectOwner, target(held.portalOwner)), []);
  assert.deepEqual(ungrantableMemberships(projectOwner, target(held.portalOwner, held.acmeOwner)), [held.acmeOwner]);
});

test('a user issuing its own credential escalates nothing', () => {
  const self = { userId: 'target', permissions: resolvePermissions([], mapping) };
  assert.deepEqual(ungrantableMemberships(self, target(held.iamOwner)), []);
});

test('the shipped mapping: ORG_OWNER holds user.credential.write, ORG_USER_MANAGER and IAM_USER_MANAGER do not', () => {
  assert.ok(mapping.ORG_OWNER?.includes('user.credential.write'));
  assert.ok(mapping.IAM_OWNER?.includes('user.credential.write'));
  assert.ok(!mapping.ORG_USER_MANAGER?.includes('user.credential.write'));
  assert.ok(!mapping.IAM_USER_MANAGER?.includes('user.credential.write'));
});
