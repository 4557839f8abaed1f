import test from 'node:test';
import assert from 'node:assert/strict';
import { resolvePermissions } from '../../src/domain/rules/permissions.ts';
import { orgContext, userGrantContext } from '../../src/domain/rules/resource-context.ts';
import { decideAccessInParts, reachOf, visibleOrgIds } from '../../src/domain/rules/visibility.ts';
import { loadRolePermissions } from '../../src/http/api/index.ts';

const mapping = loadRolePermissions();

test('reach: where a caller holds one permission, by level', () => {
  const permissions = resolvePermissions(
    [
      { level: 'org', resourceId: 'acme', roles: ['ORG_OWNER_VIEWER'] },
      { level: 'org', resourceId: 'beta', roles: ['ORG_SETTINGS_MANAGER'] },
      { level: 'project', resourceId: 'p1', roles: ['PROJECT_OWNER_VIEWER'] },
      { level: 'project', resourceId: 'p2', roles: ['PROJECT_OWNER_GLOBAL'] },
      { level: 'projectGrant', resourceId: 'g1', roles: ['PROJECT_GRANT_OWNER'] },
    ],
    mapping,
  );
  assert.deepEqual(reachOf(permissions, 'user.grant.read'), {
    instance: false,
    orgIds: ['acme'],
    projectIds: ['p1', 'p2'],
    grantIds: ['g1'],
  });
  assert.deepEqual(reachOf(permissions, 'org.read'), {
    instance: false,
    orgIds: ['acme', 'beta'],
    projectIds: [],
    grantIds: [],
  });
  assert.deepEqual(visibleOrgIds(reachOf(permissions, 'org.read')), ['acme', 'beta']);
  assert.deepEqual(visibleOrgIds(reachOf(permissions, 'iam.read')), []);
});

test('instance roles reach every org: no org filter', () => {
  const permissions = resolvePermissions(
    [{ level: 'instance', resourceId: 'i', roles: ['IAM_OWNER_VIEWER'] }],
    mapping,
  );
  const reach = reachOf(permissions, 'org.read');
  assert.equal(reach.instance, true);
  assert.equal(visibleOrgIds(reach), null);
});

test('a list is allowed whole, in part to the managers of its parts, else 403 or 404 as its whole', () => {
  const rule = { permission: 'user.grant.read', visibleWith: ['org.read', 'user.grant.read'] };
  const ownProject = userGrantContext({ orgId: 'acme', projectId: 'p1', projectGrantId: null });
  const throughGrant = userGrantContext({ orgId: 'acme', projectId: 'p9', projectGrantId: 'g1' });
  const orgViewer = resolvePermissions([{ level: 'org', resourceId: 'acme', roles: ['ORG_OWNER_VIEWER'] }], mapping);
  assert.equal(decideAccessInParts(orgViewer, rule, orgContext('acme'), []), 'allow');

  const projectViewer = resolvePermissions(
    [{ level: 'project', resourceId: 'p1', roles: ['PROJECT_OWNER_VIEWER'] }],
    mapping,
  );
  assert.equal(decideAccessInParts(projectViewer, rule, orgContext('acme'), [ownProject]), 'allow-parts');
  assert.equal(decideAccessInParts(projectViewer, rule, orgContext('acme'), [throughGrant]), 'not-found');
  assert.equal(decideAccessInParts(projectViewer, rule, orgContext('acme'), []), 'not-found');

  const grantOwner = resolvePermissions(
    [{ level: 'projectGrant', resourceId: 'g1', roles: ['PROJECT_GRANT_OWNER'] }],
    mapping,
  );
  assert.equal(decideAccessInParts(grantOwner, rule, orgContext('acme'), [ownProject, throughGrant]), 'allow-parts');

  // Sees the org (org.read) but holds user.grant.read nowhere in it: 403, as for the whole.
  const settings = resolvePermissions([{ level: 'org', resourceId: 'acme', roles: ['ORG_SETTINGS_MANAGER'] }], mapping);
  assert.equal(decideAccessInParts(settings, rule, orgContext('acme'), [ownProject]), 'forbidden');
});
