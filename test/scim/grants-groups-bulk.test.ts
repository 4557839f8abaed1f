// The grants extension, Groups and Bulk over HTTP: only roles the org may assign are accepted (its own project's, or
// its project grant's subset), each change goes through the user-grant commands (audit events name the caller), and a
// Bulk request runs its operations in order with bulkId references and failOnErrors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Event, ProjectGrant, User, UserGrant } from '../../src/store/models/index.ts';
import { bootstrapToken } from '../api/helpers.ts';
import { createProject, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { provisioningToken, scim } from './helpers.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GRANTS = 'urn:ietf:params:scim:schemas:extension:zitadel:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

let fixture: OidcFixture;
let tokens: Record<string, string>;
let acme: string;
let alpha: string;
let projectId: string;

const newUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName,
  name: { givenName: 'Grant', familyName: 'Tester' },
  emails: [{ value: `${userName}@example.org` }],
  ...extra,
});
const withGrants = (grants: unknown[]) => ({ [GRANTS]: { grants } });

before(async () => {
  fixture = await startOidcFixture();
  ({ ACME: acme, Alpha: alpha } = fixture.orgs as { ACME: string; Alpha: string });
  projectId = await createProject(fixture, 'SCIM Apps', { orgId: acme, roles: ['admin', 'member', 'viewer'] });
  await ProjectGrant.create({
    instanceId: fixture.instanceId,
    projectId,
    orgId: acme,
    grantedOrgId: alpha,
    roleKeys: ['viewer'],
  });
  const owner = await bootstrapToken(fixture.server);
  tokens = {
    [acme]: await provisioningToken(fixture.server, owner, acme, ['ORG_USER_MANAGER']),
    [alpha]: await provisioningToken(fixture.server, owner, alpha, ['ORG_USER_MANAGER']),
  };
});
after(() => fixture.server.stop());

const call = (orgId: string, method: string, path: string, body?: unknown) =>
  scim(fixture.server, tokens[orgId]!, orgId, method, path, body);

describe('the grants extension', () => {
  it("gives the owning org's roles, changes and removes them through the user-grant commands", async () => {
    const created = await call(
      acme,
      'POST',
      '/Users',
      newUser('gina.grants', withGrants([{ projectId, roles: ['member', 'admin'] }])),
    );
    assert.equal(created.status, 201);
    assert.deepEqual(created.body[GRANTS], { grants: [{ projectId, roles: ['admin', 'member'] }] });
    const userId = created.body.id as string;
    const grant = await UserGrant.findOne({ instanceId: fixture.instanceId, userId }).lean();
    assert.deepEqual([grant!.orgId, grant!.projectGrantId, grant!.roleKeys.sort()], [acme, null, ['admin', 'member']]);
    const added = await Event.findOne({ resourceId: grant!._id, type: 'user.grant.added' }).lean();
    const scimCaller = await User.findOne({ _id: added!.actorId }).lean();
    assert.equal(scimCaller?.type, 'machine');

    const changed = await call(acme, 'PATCH', `/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: `${GRANTS}:grants`, value: [{ projectId, roles: ['viewer'] }] }],
    });
    assert.deepEqual(changed.body[GRANTS], { grants: [{ projectId, roles: ['viewer'] }] });
    assert.ok(await Event.exists({ resourceId: grant!._id, type: 'user.grant.changed' }));
    const removed = await call(acme, 'PATCH', `/Users/${userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `${GRANTS}:grants[projectId eq "${projectId}"]` }],
    });
    assert.deepEqual(removed.body[GRANTS], { grants: [] });
    assert.ok(await Event.exists({ resourceId: grant!._id, type: 'user.grant.removed' }));
  });

  it("a granted org assigns only its project grant's subset; other roles and projects are refused before any write", async () => {
    const viewer = await call(
      alpha,
      'POST',
      '/Users',
      newUser('gus.granted', withGrants([{ projectId, roles: ['viewer'] }])),
    );
    assert.equal(viewer.status, 201);
    const grant = await UserGrant.findOne({ userId: viewer.body.id as string }).lean();
    assert.ok(grant!.projectGrantId);
    for (const roles of [['admin'], ['viewer', 'nope']]) {
      const refused = await call(alpha, 'POST', '/Users', newUser('gus.refused', withGrants([{ projectId, roles }])));
      assert.equal(refused.status, 400);
      assert.equal(refused.body.scimType, 'invalidValue');
      assert.match(refused.body.detail as string, new RegExp(`not assignable on project ${projectId}`));
    }
    assert.equal(await User.exists({ username: 'gus.refused' }), null);
    const ungranted = await createProject(fixture, 'Not for Alpha', { orgId: acme, roles: ['x'] });
    const patched = await call(alpha, 'PATCH', `/Users/${viewer.body.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: `${GRANTS}:grants`, value: [{ projectId: ungranted, roles: ['x'] }] }],
    });
    assert.equal(patched.status, 400);
    assert.match(patched.body.detail as string, /may not assign roles on project/);
  });
});

describe('groups', () => {
  it("lists the org's assignable roles as groups; membership is the role in a user grant", async () => {
    const groupId = `${projectId}:viewer`;
    const listed = await call(alpha, 'GET', `/Groups?filter=${encodeURIComponent('displayName sw "SCIM Apps"')}`);
    assert.deepEqual(
      (listed.body.Resources as Array<{ id: string }>).map((group) => group.id),
      [groupId],
    );
    assert.equal((await call(alpha, 'GET', `/Groups/${projectId}:admin`)).status, 404);
    const user = await call(alpha, 'POST', '/Users', newUser('mia.member'));
    const joined = await call(alpha, 'PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.body.id }] }],
    });
    assert.equal(joined.status, 200);
    const memberIds = (group: Record<string, unknown>) =>
      (group.members as Array<{ value: string }>).map((member) => member.value);
    assert.ok(memberIds(joined.body).includes(user.body.id as string));
    const shown = await call(alpha, 'GET', `/Users/${user.body.id}`);
    assert.deepEqual(shown.body[GRANTS], { grants: [{ projectId, roles: ['viewer'] }] });
    const left = await call(alpha, 'PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'remove', path: `members[value eq "${user.body.id}"]` }],
    });
    assert.equal(memberIds(left.body).includes(user.body.id as string), false);
    assert.ok(memberIds(left.body).length > 0, 'the other members stay');
    assert.equal(await UserGrant.exists({ userId: user.body.id as string }), null);
    const stranger = await call(alpha, 'PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'not-a-user' }] }],
    });
    assert.equal(stranger.status, 400);
    assert.equal((await call(alpha, 'POST', '/Groups', { displayName: 'x' })).status, 501);
  });
});

describe('bulk', () => {
  const bulk = (operations: unknown[], failOnErrors?: number) =>
    call(acme, 'POST', '/Bulk', { schemas: [BULK], Operations: operations, ...(failOnErrors ? { failOnErrors } : {}) });

  it('runs operations in order with bulkId references; failOnErrors stops processing', async () => {
    const done = await bulk([
      {
        method: 'POST',
        path: '/Users',
        bulkId: 'b',
        data: newUser('bea.bulk', withGrants([{ projectId, roles: ['member'] }])),
      },
      {
        method: 'PATCH',
        path: '/Users/bulkId:b',
        data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] },
      },
      { method: 'PATCH', path: '/Users/bulkId:unknown', data: { schemas: [PATCH], Operations: [] } },
      { method: 'DELETE', path: '/Users/bulkId:b' },
    ]);
    assert.equal(done.status, 200);
    const results = done.body.Operations as Array<{
      status: string;
      bulkId?: string;
      response?: { scimType?: string };
    }>;
    assert.deepEqual(
      results.map((result) => result.status),
      ['201', '200', '400', '204'],
    );
    assert.equal(results[0]!.bulkId, 'b');
    assert.equal(results[2]!.response?.scimType, 'invalidValue');
    assert.equal(await User.exists({ username: 'bea.bulk' }), null);

    const stopped = await bulk(
      [
        { method: 'POST', path: '/Users', bulkId: 'x', data: newUser('bad name') },
        { method: 'POST', path: '/Users', bulkId: 'y', data: newUser('never.created') },
      ],
      1,
    );
    assert.deepEqual(
      (stopped.body.Operations as Array<{ status: string }>).map((result) => result.status),
      ['400'],
    );
    assert.equal(await User.exists({ username: 'never.created' }), null);
  });

  it('refuses more operations than advertised with 413', async () => {
    const config = await call(acme, 'GET', '/ServiceProviderConfig');
    const { maxOperations } = config.body.bulk as { maxOperations: number };
    const tooMany = Array.from({ length: maxOperations + 1 }, () => ({ method: 'DELETE', path: '/Users/none' }));
    const refused = await bulk(tooMany);
    assert.equal(refused.status, 413);
    assert.equal(refused.body.status, '413');
  });
});
