import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Application, Membership, ProjectGrant, User, UserGrant } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
});
after(() => server.stop());

async function created(path: string, body: unknown, token = admin): Promise<string> {
  const response = await call(server, token, 'POST', path, body);
  assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** A vendor org with a two-role project granted to a customer org, and a customer user granted one role through it. */
async function world(tag: string) {
  const vendor = await created('/orgs', { name: `Vendor ${tag}` });
  const customer = await created('/orgs', { name: `Customer ${tag}` });
  const projectId = await created(`/orgs/${vendor}/projects`, { name: 'Portal' });
  for (const key of ['reader', 'admin', 'support'])
    await created(`/projects/${projectId}/roles`, { key, displayName: key });
  const grantId = await created(`/projects/${projectId}/grants`, {
    grantedOrgId: customer,
    roleKeys: ['reader', 'admin'],
  });
  const userId = await created(`/orgs/${customer}/users/human`, {
    username: `eve-${tag}`,
    email: `eve@${tag}.example`,
    givenName: 'Eve',
    familyName: 'E',
    password: 'Str0ng-Passw0rd!',
  });
  const userGrantId = await created(`/orgs/${customer}/user-grants`, {
    userId,
    projectId,
    roleKeys: ['reader', 'admin'],
  });
  const ownGrantId = await created(`/orgs/${vendor}/user-grants`, { userId, projectId, roleKeys: ['support'] });
  return { vendor, customer, projectId, grantId, userId, userGrantId, ownGrantId };
}

test('authentication: missing, malformed and unknown tokens are 401 problem+json', async () => {
  for (const token of [null, 'nope', 'cpat_unknown', 'a.b.c']) {
    const response = await call(server, token, 'GET', '/orgs');
    assert.equal(response.status, 401);
    assert.match(response.contentType, /application\/problem\+json/);
  }
});

test('an inactive caller, or a caller of an inactive org, is refused', async () => {
  const org = await created('/orgs', { name: 'Sleepy' });
  const machine = await created(`/orgs/${org}/users/machine`, { username: 'sleepy-bot', name: 'Bot' });
  await created('/instance/members', { userId: machine, roles: ['IAM_OWNER_VIEWER'] }).catch(() => undefined);
  const token = (await call(server, admin, 'POST', `/users/${machine}/personal-access-tokens`, {})).body
    .token as string;
  assert.equal((await call(server, token, 'GET', '/orgs')).status, 200);
  assert.equal((await call(server, admin, 'POST', `/orgs/${org}/deactivate`)).status, 200);
  assert.equal((await call(server, token, 'GET', '/orgs')).status, 401);
  assert.equal((await call(server, admin, 'POST', `/orgs/${org}/reactivate`)).status, 200);
  assert.equal((await call(server, admin, 'POST', `/users/${machine}/deactivate`)).status, 200);
  assert.equal((await call(server, token, 'GET', '/orgs')).status, 401);
});

test('bad input: operators, wrong types, unknown fields, malformed JSON, oversized bodies, wrong media type, unknown routes', async () => {
  const org = await created('/orgs', { name: 'Input Checks' });
  for (const body of [
    { name: { $gt: '' } },
    { name: 'x', $where: '1' },
    { name: ['a'] },
    { name: '' },
    {},
    [],
    'null',
  ]) {
    const response = await call(server, admin, 'POST', '/orgs', body);
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.match(response.contentType, /problem\+json/);
  }
  const named = await call(server, admin, 'POST', `/orgs/${org}/users/human`, {
    username: 'u1',
    email: 'not-an-email',
    givenName: 'A',
    familyName: 'B',
  });
  assert.equal(named.status, 400);
  assert.deepEqual(
    (named.body.errors as Array<{ field: string }>).map((entry) => entry.field),
    ['email'],
  );
  const weak = await call(server, admin, 'POST', `/orgs/${org}/users/human`, {
    username: 'u2',
    email: 'u2@x.example',
    givenName: 'A',
    familyName: 'B',
    password: 'short',
  });
  assert.equal(weak.status, 400);
  assert.equal((weak.body.errors as Array<{ field: string }>)[0]?.field, 'password');
  assert.equal((await call(server, admin, 'GET', '/users/_by-login-name/%7B%22%24gt%22%3A%22%22%7D')).status, 404);
  assert.equal((await call(server, admin, 'GET', '/orgs?limit[$gt]=1')).status, 400);
  assert.equal((await call(server, admin, 'GET', `/events?orgId[$ne]=x`)).status, 400);
  assert.equal((await call(server, admin, 'POST', '/orgs', '{"name": "x"')).status, 400);
  assert.equal(
    (await call(server, admin, 'POST', '/orgs', JSON.stringify({ name: 'x'.repeat(2_000_000) }))).status,
    413,
  );
  assert.equal(
    (await call(server, admin, 'POST', '/orgs', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' }))
      .status,
    415,
  );
  assert.equal((await call(server, admin, 'GET', '/no/such/route')).status, 404);
  assert.equal((await call(server, admin, 'GET', '/users/123456')).status, 404);
  assert.equal((await call(server, admin, 'POST', '/orgs', { name: 'Input Checks' })).status, 409);
  assert.equal(
    (await call(server, admin, 'POST', `/orgs/${org}/users/machine`, { username: 'admin', name: 'taken' })).status,
    409,
  );
});

test('project grants: roles must exist, never to the owner, one per org', async () => {
  const w = await world('rules');
  assert.equal(
    (
      await call(server, admin, 'POST', `/projects/${w.projectId}/grants`, {
        grantedOrgId: w.customer,
        roleKeys: ['reader'],
      })
    ).status,
    409,
  );
  assert.equal(
    (
      await call(server, admin, 'POST', `/projects/${w.projectId}/grants`, {
        grantedOrgId: w.vendor,
        roleKeys: ['reader'],
      })
    ).status,
    400,
  );
  const other = await created('/orgs', { name: 'Other rules' });
  assert.equal(
    (await call(server, admin, 'POST', `/projects/${w.projectId}/grants`, { grantedOrgId: other, roleKeys: ['nope'] }))
      .status,
    400,
  );
  // User grants through the grant must stay inside its subset; an org without grant cannot assign at all.
  assert.equal(
    (
      await call(server, admin, 'POST', `/orgs/${w.customer}/user-grants`, {
        userId: w.userId,
        projectId: w.projectId,
        roleKeys: ['reader'],
      })
    ).status,
    409,
    'one grant per org, user and project',
  );
  const second = await created(`/orgs/${w.customer}/users/machine`, { username: 'rules-bot', name: 'Bot' });
  assert.equal(
    (
      await call(server, admin, 'POST', `/orgs/${w.customer}/user-grants`, {
        userId: second,
        projectId: w.projectId,
        roleKeys: ['support'],
      })
    ).status,
    400,
  );
  assert.equal(
    (
      await call(server, admin, 'POST', `/orgs/${other}/user-grants`, {
        userId: second,
        projectId: w.projectId,
        roleKeys: [],
      })
    ).status,
    404,
  );
});

test('shrinking a grant removes the dropped roles from its user grants only', async () => {
  const w = await world('shrink');
  const response = await call(server, admin, 'PATCH', `/projects/${w.projectId}/grants/${w.grantId}`, {
    roleKeys: ['reader'],
  });
  assert.equal(response.status, 200);
  assert.deepEqual((await UserGrant.findById(w.userGrantId).lean())?.roleKeys, ['reader']);
  assert.deepEqual((await UserGrant.findById(w.ownGrantId).lean())?.roleKeys, ['support']);
  const events = await call(server, admin, 'GET', `/events?orgId=${w.customer}&resourceId=${w.userGrantId}`);
  assert.equal((events.body.events as Array<{ type: string }>)[0]?.type, 'user.grant.cascade.changed');
});

test('removing a project role removes it from grants and user grants', async () => {
  const w = await world('role');
  assert.equal((await call(server, admin, 'DELETE', `/projects/${w.projectId}/roles/admin`)).status, 204);
  assert.deepEqual((await ProjectGrant.findById(w.grantId).lean())?.roleKeys, ['reader']);
  assert.deepEqual((await UserGrant.findById(w.userGrantId).lean())?.roleKeys, ['reader']);
  assert.equal((await call(server, admin, 'DELETE', `/projects/${w.projectId}/roles/admin`)).status, 404);
});

test('deleting a grant deletes its user grants and managers; deactivation keeps everything', async () => {
  const w = await world('grant');
  const manager = await created(`/orgs/${w.customer}/users/machine`, { username: 'grant-mgr', name: 'M' });
  assert.equal(
    (
      await call(server, admin, 'POST', `/projects/${w.projectId}/grants/${w.grantId}/members`, {
        userId: manager,
        roles: ['PROJECT_GRANT_OWNER'],
      })
    ).status,
    201,
  );
  assert.equal(
    (await call(server, admin, 'POST', `/projects/${w.projectId}/grants/${w.grantId}/deactivate`)).status,
    200,
  );
  assert.ok(await UserGrant.exists({ _id: w.userGrantId }));
  assert.equal(
    (await call(server, admin, 'POST', `/projects/${w.projectId}/grants/${w.grantId}/reactivate`)).status,
    200,
  );
  assert.equal((await call(server, admin, 'DELETE', `/projects/${w.projectId}/grants/${w.grantId}`)).status, 204);
  assert.equal(await UserGrant.exists({ _id: w.userGrantId }), null);
  assert.ok(await UserGrant.exists({ _id: w.ownGrantId }));
  assert.equal(await Membership.exists({ level: 'projectGrant', resourceId: w.grantId }), null);
});

test('deleting a user, a project or an org removes what hangs on it', async () => {
  const a = await world('user');
  assert.equal((await call(server, admin, 'DELETE', `/users/${a.userId}`)).status, 204);
  assert.equal(await UserGrant.countDocuments({ userId: a.userId }), 0);

  const b = await world('project');
  await created(`/projects/${b.projectId}/apps`, { type: 'api', name: 'Backend', authMethod: 'basic' });
  assert.equal((await call(server, admin, 'DELETE', `/projects/${b.projectId}`)).status, 204);
  assert.equal(await ProjectGrant.countDocuments({ projectId: b.projectId }), 0);
  assert.equal(await UserGrant.countDocuments({ projectId: b.projectId }), 0);
  assert.equal(await Application.countDocuments({ projectId: b.projectId }), 0);
  assert.equal((await call(server, admin, 'GET', `/projects/${b.projectId}`)).status, 404);

  const c = await world('org');
  assert.equal((await call(server, admin, 'DELETE', `/orgs/${c.customer}`)).status, 204);
  assert.equal(await User.countDocuments({ orgId: c.customer }), 0);
  assert.equal(await ProjectGrant.countDocuments({ grantedOrgId: c.customer }), 0);
  assert.equal(
    await UserGrant.countDocuments({ projectId: c.projectId }),
    0,
    'the customer user and both its grants are gone',
  );
  assert.equal(
    (await call(server, admin, 'GET', `/projects/${c.projectId}`)).status,
    200,
    "the vendor's project stays",
  );
});

test('the default org cannot be deactivated or deleted', async () => {
  const defaultOrg = server.bootstrap.instanceId && (await User.findOne({ username: 'admin' }).lean())!.orgId;
  assert.equal((await call(server, admin, 'POST', `/orgs/${defaultOrg}/deactivate`)).status, 409);
  assert.equal((await call(server, admin, 'DELETE', `/orgs/${defaultOrg}`)).status, 409);
});

test('events name the actor, newest first, paginated by cursor', async () => {
  const org = await created('/orgs', { name: 'Audited' });
  for (const username of ['a1', 'a2', 'a3'])
    await created(`/orgs/${org}/users/machine`, { username: `audit-${username}`, name: username });
  const first = await call(server, admin, 'GET', `/events?orgId=${org}&limit=2`);
  assert.equal(first.status, 200);
  const page1 = first.body.events as Array<{
    type: string;
    actorId: string;
    createdAt: string;
    payload: { username?: string };
  }>;
  assert.equal(page1.length, 2);
  assert.equal(page1[0]?.payload.username, 'audit-a3');
  const admins = await User.findOne({ type: 'machine', 'machine.name': 'Bootstrap automation' }).lean();
  assert.equal(page1[0]?.actorId, admins?._id);
  const second = await call(
    server,
    admin,
    'GET',
    `/events?orgId=${org}&limit=2&cursor=${first.body.nextCursor as string}`,
  );
  const page2 = second.body.events as Array<{ type: string; payload: { username?: string } }>;
  assert.deepEqual(
    page2.map((event) => event.type),
    ['user.machine.added', 'org.added'],
  );
  assert.equal((await call(server, admin, 'GET', '/events?cursor=garbage')).status, 400);
});
