import test from 'node:test';
import assert from 'node:assert/strict';
import {
  decideAccess,
  hasPermission,
  hasPermissionAnywhere,
  parseRolePermissions,
  resolvePermissions,
  roleFitsLevel,
} from '../../src/domain/rules/permissions.ts';
import {
  orgContext,
  projectContext,
  projectGrantOwnerContext,
  projectGrantViewContext,
  userGrantContext,
} from '../../src/domain/rules/resource-context.ts';
import { loadRolePermissions } from '../../src/http/api/index.ts';

const mapping = loadRolePermissions();
const grant = { _id: 'g1', projectId: 'p1', orgId: 'acme', grantedOrgId: 'beta' };

test('the shipped mapping has ZITADEL’s manager roles and permission names (https://zitadel.com/docs/guides/manage/console/managers)', () => {
  for (const role of [
    'IAM_OWNER',
    'IAM_OWNER_VIEWER',
    'IAM_ORG_MANAGER',
    'IAM_USER_MANAGER',
    'ORG_OWNER',
    'ORG_OWNER_VIEWER',
    'ORG_USER_MANAGER',
    'ORG_USER_PERMISSION_EDITOR',
    'ORG_PROJECT_PERMISSION_EDITOR',
    'ORG_PROJECT_CREATOR',
    'PROJECT_OWNER',
    'PROJECT_OWNER_VIEWER',
    'PROJECT_GRANT_OWNER',
  ]) {
    assert.ok(mapping[role]?.length, role);
  }
  assert.ok(mapping.ORG_OWNER!.includes('project.grant.write'));
  assert.ok(!mapping.ORG_OWNER!.includes('org.create'));
  assert.ok(!mapping.PROJECT_GRANT_OWNER!.includes('project.grant.write'));
  assert.throws(() => parseRolePermissions({ ORG_OWNER: [{ $gt: '' }] }));
});

test('org roles hold inside their org only', () => {
  const permissions = resolvePermissions([{ level: 'org', resourceId: 'beta', roles: ['ORG_OWNER'] }], mapping);
  assert.equal(hasPermission(permissions, 'user.write', orgContext('beta')), true);
  assert.equal(hasPermission(permissions, 'user.write', orgContext('alpha')), false);
  assert.equal(hasPermission(permissions, 'project.write', projectContext({ _id: 'p1', orgId: 'acme' })), false);
});

test('instance roles hold anywhere in the instance', () => {
  const permissions = resolvePermissions(
    [{ level: 'instance', resourceId: 'i', roles: ['IAM_OWNER_VIEWER'] }],
    mapping,
  );
  assert.equal(hasPermission(permissions, 'project.read', projectContext({ _id: 'p9', orgId: 'x' })), true);
  assert.equal(hasPermission(permissions, 'project.write', projectContext({ _id: 'p9', orgId: 'x' })), false);
});

test('project and project-grant roles match only their own resource (perm:<id>)', () => {
  const permissions = resolvePermissions(
    [
      { level: 'project', resourceId: 'p1', roles: ['PROJECT_OWNER'] },
      { level: 'projectGrant', resourceId: 'g1', roles: ['PROJECT_GRANT_OWNER'] },
    ],
    mapping,
  );
  assert.equal(hasPermission(permissions, 'project.role.write', projectContext({ _id: 'p1', orgId: 'acme' })), true);
  assert.equal(hasPermission(permissions, 'project.role.write', projectContext({ _id: 'p2', orgId: 'acme' })), false);
  assert.equal(hasPermission(permissions, 'user.write', orgContext('acme')), false);
  assert.equal(
    hasPermission(
      permissions,
      'user.grant.write',
      userGrantContext({ orgId: 'beta', projectId: 'p1', projectGrantId: 'g1' }),
    ),
    true,
  );
  assert.equal(
    hasPermission(
      permissions,
      'user.grant.write',
      userGrantContext({ orgId: 'beta', projectId: 'p1', projectGrantId: 'g2' }),
    ),
    false,
  );
});

test("the owner's project managers do not reach user grants made through a grant (ZITADEL CVE-2022-36051)", () => {
  const permissions = resolvePermissions([{ level: 'project', resourceId: 'p1', roles: ['PROJECT_OWNER'] }], mapping);
  assert.equal(
    hasPermission(
      permissions,
      'user.grant.write',
      userGrantContext({ orgId: 'beta', projectId: 'p1', projectGrantId: 'g1' }),
    ),
    false,
  );
  assert.equal(
    hasPermission(
      permissions,
      'user.grant.write',
      userGrantContext({ orgId: 'acme', projectId: 'p1', projectGrantId: null }),
    ),
    true,
  );
});

test('a role held at the wrong level grants nothing', () => {
  const permissions = resolvePermissions(
    [{ level: 'org', resourceId: 'beta', roles: ['IAM_OWNER', 'PROJECT_OWNER'] }],
    mapping,
  );
  assert.equal(hasPermissionAnywhere(permissions, 'org.read'), false);
  assert.equal(roleFitsLevel('PROJECT_GRANT_OWNER', 'project'), false);
  assert.equal(roleFitsLevel('PROJECT_GRANT_OWNER', 'projectGrant'), true);
});

test('404 when the caller cannot see the resource, 403 when it can see but not act', () => {
  const viewer = resolvePermissions([{ level: 'org', resourceId: 'beta', roles: ['ORG_OWNER_VIEWER'] }], mapping);
  const rule = { permission: 'user.write', visibleWith: ['user.read'] };
  assert.equal(decideAccess(viewer, rule, orgContext('beta')), 'forbidden');
  assert.equal(decideAccess(viewer, rule, orgContext('alpha')), 'not-found');
  const owner = resolvePermissions([{ level: 'org', resourceId: 'beta', roles: ['ORG_OWNER'] }], mapping);
  assert.equal(decideAccess(owner, rule, orgContext('beta')), 'allow');
});

test('the granted org sees a project grant but cannot change it', () => {
  const betaOwner = resolvePermissions([{ level: 'org', resourceId: 'beta', roles: ['ORG_OWNER'] }], mapping);
  const rule = { permission: 'project.grant.write', visibleWith: ['project.grant.read'] };
  assert.equal(
    decideAccess(betaOwner, { permission: 'project.grant.read', visibleWith: [] }, projectGrantViewContext(grant)),
    'allow',
  );
  assert.equal(
    decideAccess(betaOwner, rule, projectGrantOwnerContext(grant), projectGrantViewContext(grant)),
    'forbidden',
  );
  const acmeOwner = resolvePermissions([{ level: 'org', resourceId: 'acme', roles: ['ORG_OWNER'] }], mapping);
  assert.equal(decideAccess(acmeOwner, rule, projectGrantOwnerContext(grant), projectGrantViewContext(grant)), 'allow');
});
