import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// Issue 13 item 11: an ORG_USER_MANAGER minted a PAT for the org's ORG_OWNER machine user and acted as it. Issuing or
// changing a credential needs user.credential.write, and never for a user holding roles the caller could not grant.

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
  return (response.body.id ?? response.body.userId) as string;
}
const patOf = async (userId: string, token = admin) =>
  call(server, token, 'POST', `/users/${userId}/personal-access-tokens`, {});

async function orgWithManagers(tag: string) {
  const org = await created('/orgs', { name: `Escalation ${tag}` });
  const owner = await created(`/orgs/${org}/users/machine`, { username: `owner-bot-${tag}`, name: 'Owner' });
  await created(`/orgs/${org}/members`, { userId: owner, roles: ['ORG_OWNER'] });
  const manager = await created(`/orgs/${org}/users/machine`, { username: `um-bot-${tag}`, name: 'User manager' });
  await created(`/orgs/${org}/members`, { userId: manager, roles: ['ORG_USER_MANAGER'] });
  const plain = await created(`/orgs/${org}/users/machine`, { username: `plain-bot-${tag}`, name: 'Plain' });
  const human = await created(`/orgs/${org}/users/human`, {
    username: `owner-human-${tag}`,
    email: `owner@${tag}.example`,
    givenName: 'O',
    familyName: 'W',
    password: 'Str0ng-Passw0rd!',
  });
  await created(`/orgs/${org}/members`, { userId: human, roles: ['ORG_OWNER'] });
  const ownerToken = (await patOf(owner)).body.token as string;
  const managerToken = (await patOf(manager)).body.token as string;
  return { org, owner, manager, plain, human, ownerToken, managerToken };
}

test('an org user manager cannot mint a PAT or a secret for the org owner machine user, nor set an owner’s password', async () => {
  const { owner, plain, human, managerToken } = await orgWithManagers('a');
  const attempts = [
    () => patOf(owner, managerToken),
    () => call(server, managerToken, 'POST', `/users/${owner}/secret`),
    () => call(server, managerToken, 'DELETE', `/users/${owner}/secret`),
    () => call(server, managerToken, 'PUT', `/users/${human}/password`, { password: 'An0ther-Passw0rd!' }),
    () => patOf(plain, managerToken),
  ];
  for (const attempt of attempts) {
    const response = await attempt();
    assert.equal(response.status, 403, JSON.stringify(response.body));
  }
  // It still manages users: what user.write allows is unchanged.
  assert.equal((await call(server, managerToken, 'PATCH', `/users/${plain}`, { name: 'Renamed' })).status, 200);
});

test('an org owner issues credentials for its org’s users and managers, but not for an IAM owner in its org', async () => {
  const { org, owner, manager, plain, human, ownerToken } = await orgWithManagers('b');
  assert.equal((await patOf(plain, ownerToken)).status, 201);
  assert.equal((await patOf(manager, ownerToken)).status, 201);
  assert.equal((await call(server, ownerToken, 'POST', `/users/${owner}/secret`)).status, 200, 'its own secret');
  const password = await call(server, ownerToken, 'PUT', `/users/${human}/password`, { password: 'An0ther-Passw0rd!' });
  assert.equal(password.status, 204, JSON.stringify(password.body));

  const iamBot = await created(`/orgs/${org}/users/machine`, { username: 'iam-bot-b', name: 'IAM' });
  await created('/instance/members', { userId: iamBot, roles: ['IAM_OWNER'] });
  const refused = await patOf(iamBot, ownerToken);
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.deepEqual(refused.body.roles, ['IAM_OWNER']);
  assert.equal((await call(server, ownerToken, 'POST', `/users/${iamBot}/secret`)).status, 403);
  // The instance owner may.
  assert.equal((await patOf(iamBot)).status, 201);
});
