import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { clientConfig } from '../helpers/login.ts';
import { introspect } from '../helpers/oidc.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// A machine user's client_credentials token is bound to the user's id and to the secret it was issued with
// (issue 13, item 10): deleting or renaming the user, or removing or rotating its secret, ends the token, and a user
// created later under the same username never inherits it, at the management API and at introspection.

const API_AUDIENCE_SCOPE = 'urn:zitadel:iam:org:project:id:zitadel:aud';
const TOKEN_TYPES = ['bearer', 'jwt'] as const;

let server: TestServer;
let admin: string;
let orgP: string;
let orgQ: string;
/** An API app of a project every test token names in its audience: it introspects them. */
let introspector: client.Configuration;
let scope: string;

async function created(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await call(server, admin, 'POST', path, body);
  assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
  return response.body;
}

interface Machine {
  id: string;
  config: client.Configuration;
}

async function newSecret(userId: string, username: string): Promise<client.Configuration> {
  const secret = await call(server, admin, 'POST', `/users/${userId}/secret`);
  assert.equal(secret.status, 200, JSON.stringify(secret.body));
  assert.equal(secret.body.clientId, username);
  return clientConfig(server.config.publicUrl, username, secret.body.clientSecret as string);
}

/** A machine user of `orgId` with a secret, holding `roles` on the instance or its org. */
async function machine(
  orgId: string,
  username: string,
  accessTokenType: 'bearer' | 'jwt',
  membership: { path: string; roles: string[] },
): Promise<Machine> {
  const id = (await created(`/orgs/${orgId}/users/machine`, { username, name: username, accessTokenType }))
    .id as string;
  await created(membership.path, { userId: id, roles: membership.roles });
  return { id, config: await newSecret(id, username) };
}

const orgOwner = () => ({ path: `/orgs/${orgP}/members`, roles: ['ORG_OWNER'] });
const iamOwner = () => ({ path: '/instance/members', roles: ['IAM_OWNER'] });

async function token(config: client.Configuration): Promise<string> {
  return (await client.clientCredentialsGrant(config, { scope })).access_token;
}

/** The token is dead: 401 at the API (as itself, and wherever a namesake could act) and inactive at introspection. */
async function assertEnded(value: string, what: string): Promise<void> {
  assert.equal((await call(server, value, 'GET', `/orgs/${orgP}`)).status, 401, `${what}: GET /orgs/P`);
  assert.equal((await call(server, value, 'GET', '/instance/members')).status, 401, `${what}: GET /instance/members`);
  assert.deepEqual(await introspect(introspector, value), { active: false }, `${what}: introspection`);
}

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
  orgP = (await created('/orgs', { name: 'Org P' })).id as string;
  orgQ = (await created('/orgs', { name: 'Org Q' })).id as string;
  const projectId = (await created(`/orgs/${orgP}/projects`, { name: 'Resource server' })).id as string;
  const app = await created(`/projects/${projectId}/apps`, { type: 'api', name: 'Introspector', authMethod: 'basic' });
  introspector = await clientConfig(server.config.publicUrl, app.clientId as string, app.clientSecret as string);
  scope = `${API_AUDIENCE_SCOPE} urn:zitadel:iam:org:project:id:${projectId}:aud`;
});
after(() => server.stop());

for (const type of TOKEN_TYPES) {
  describe(`${type} client_credentials tokens`, () => {
    it('a deleted machine user’s token does not come back under a new user of the same username', async () => {
      const username = `vp-deploy-${type}`;
      const first = await machine(orgP, username, type, orgOwner());
      const value = await token(first.config);
      assert.equal((await call(server, value, 'GET', `/orgs/${orgP}`)).status, 200, 'the token works');
      assert.equal((await introspect(introspector, value)).sub, first.id);

      assert.equal((await call(server, admin, 'DELETE', `/users/${first.id}`)).status, 204);
      await assertEnded(value, 'after the deletion');

      const second = await machine(orgQ, username, type, iamOwner());
      assert.notEqual(second.id, first.id);
      assert.equal((await call(server, value, 'POST', '/orgs', { name: `Stolen ${type}` })).status, 401);
      await assertEnded(value, 'under the namesake');
      const own = await token(second.config);
      assert.equal((await call(server, own, 'GET', '/instance/members')).status, 200, 'the namesake’s own token works');
      assert.equal(
        (await introspect(second.config, value)).active,
        false,
        'the namesake cannot introspect it as its own',
      );
    });

    it('renaming the machine user ends its tokens, also when another user takes the old username', async () => {
      const username = `vp-rename-${type}`;
      const robot = await machine(orgP, username, type, orgOwner());
      const value = await token(robot.config);
      assert.equal((await call(server, value, 'GET', `/orgs/${orgP}`)).status, 200);

      const renamed = await call(server, admin, 'PATCH', `/users/${robot.id}`, { username: `${username}-new` });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      await assertEnded(value, 'after the rename');
      await machine(orgQ, username, type, iamOwner());
      await assertEnded(value, 'under the namesake');
    });

    it('removing the machine user’s secret ends its tokens', async () => {
      const robot = await machine(orgP, `vp-unset-${type}`, type, orgOwner());
      const value = await token(robot.config);
      assert.equal((await introspect(introspector, value)).active, true);
      assert.equal((await call(server, admin, 'DELETE', `/users/${robot.id}/secret`)).status, 204);
      await assertEnded(value, 'after the secret was removed');
    });

    it('rotating the machine user’s secret ends the tokens issued with the old one, not those of the new one', async () => {
      const username = `vp-rotate-${type}`;
      const robot = await machine(orgP, username, type, orgOwner());
      const old = await token(robot.config);
      const rotated = await newSecret(robot.id, username);
      await assertEnded(old, 'after the rotation');
      const fresh = await token(rotated);
      assert.equal((await call(server, fresh, 'GET', `/orgs/${orgP}`)).status, 200, 'a token of the new secret works');
      assert.equal((await introspect(introspector, fresh)).sub, robot.id);
    });
  });
}
