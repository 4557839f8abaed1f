import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { clientConfig, loginWithPassword } from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// The management API accepts the instance provider's own access tokens whose audience names the API:
// client_credentials tokens of machine users (opaque or JWT) and users' JWT access tokens from a code flow.

const API_AUDIENCE_SCOPE = 'urn:zitadel:iam:org:project:id:zitadel:aud';
const REDIRECT_URI = 'https://rp.test/callback';
const PASSWORD = 'Manager-Passw0rd!';

let server: TestServer;
let admin: string;
let orgId: string;
let otherOrgId: string;

async function created(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await call(server, admin, 'POST', path, body);
  assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/**
 * A machine user of the org that manages it (ORG_OWNER), with a client secret; returns its client_credentials config.
 */
async function machineManager(username: string, accessTokenType: 'bearer' | 'jwt'): Promise<client.Configuration> {
  const machine = (await created(`/orgs/${orgId}/users/machine`, { username, name: username, accessTokenType }))
    .id as string;
  await created(`/orgs/${orgId}/members`, { userId: machine, roles: ['ORG_OWNER'] });
  const secret = await call(server, admin, 'POST', `/users/${machine}/secret`);
  assert.equal(secret.status, 200);
  return clientConfig(server.config.publicUrl, secret.body.clientId as string, secret.body.clientSecret as string);
}

/** What a token may do: read its own org (200) and not see another (404). */
async function assertManagesOwnOrgOnly(token: string): Promise<void> {
  const own = await call(server, token, 'GET', `/orgs/${orgId}`);
  assert.equal(own.status, 200, JSON.stringify(own.body));
  assert.equal((await call(server, token, 'GET', `/orgs/${otherOrgId}`)).status, 404);
}

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
  orgId = (await created('/orgs', { name: 'Token Org' })).id as string;
  otherOrgId = (await created('/orgs', { name: 'Elsewhere' })).id as string;
});
after(() => server.stop());

it('an opaque client_credentials token of a machine user, asked for the API audience, authenticates; without the audience or once revoked it does not', async () => {
  const config = await machineManager('opaque-robot', 'bearer');
  const tokens = await client.clientCredentialsGrant(config, { scope: API_AUDIENCE_SCOPE });
  assert.equal(tokens.access_token.split('.').length, 1, 'an opaque token');
  await assertManagesOwnOrgOnly(tokens.access_token);

  const withoutAudience = await client.clientCredentialsGrant(config, {});
  assert.equal((await call(server, withoutAudience.access_token, 'GET', `/orgs/${orgId}`)).status, 401);

  await client.tokenRevocation(config, tokens.access_token);
  assert.equal((await call(server, tokens.access_token, 'GET', `/orgs/${orgId}`)).status, 401);
});

it('a JWT client_credentials token authenticates; a forged, tampered or revoked one does not', async () => {
  const config = await machineManager('jwt-robot', 'jwt');
  const tokens = await client.clientCredentialsGrant(config, { scope: API_AUDIENCE_SCOPE });
  const claims = decodeJwt(tokens.access_token);
  assert.ok(typeof claims.jti === 'string', 'a JWT access token');
  await assertManagesOwnOrgOnly(tokens.access_token);

  const [header, payload, signature] = tokens.access_token.split('.') as [string, string, string];
  const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url');
  const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
  for (const forged of [
    `${header}.${forgedPayload}.${signature}`,
    `${header}.${payload}.${flipped}`,
    `${header}.${payload}.`,
  ]) {
    assert.equal((await call(server, forged, 'GET', `/orgs/${orgId}`)).status, 401);
  }

  const withoutAudience = await client.clientCredentialsGrant(config, {});
  assert.equal((await call(server, withoutAudience.access_token, 'GET', `/orgs/${orgId}`)).status, 401);

  await client.tokenRevocation(config, tokens.access_token);
  assert.equal(
    (await call(server, tokens.access_token, 'GET', `/orgs/${orgId}`)).status,
    401,
    'revocation holds for JWTs too',
  );
});

it("a human manager's JWT access token from a code flow authenticates with the manager's permissions", async () => {
  const user = await created(`/orgs/${orgId}/users/human`, {
    username: 'manager',
    email: 'manager@example.com',
    givenName: 'Mia',
    familyName: 'M',
    password: PASSWORD,
  });
  await created(`/orgs/${orgId}/members`, { userId: user.id, roles: ['ORG_OWNER_VIEWER'] });
  const projectId = (await created(`/orgs/${orgId}/projects`, { name: 'Console' })).id as string;
  const app = await created(`/projects/${projectId}/apps`, {
    type: 'oidc',
    name: 'Console',
    redirectUris: [REDIRECT_URI],
    accessTokenType: 'jwt',
  });
  const login = (scope: string) =>
    loginWithPassword({
      baseUrl: server.config.publicUrl,
      clientId: app.clientId as string,
      clientSecret: app.clientSecret as string,
      redirectUri: REDIRECT_URI,
      scope,
      loginName: user.loginName as string,
      password: PASSWORD,
    });

  const tokens = await login(`openid ${API_AUDIENCE_SCOPE}`);
  assert.equal(decodeJwt(tokens.access_token).sub, user.id);
  await assertManagesOwnOrgOnly(tokens.access_token);
  assert.equal(
    (await call(server, tokens.access_token, 'PATCH', `/orgs/${orgId}`, { name: 'Renamed' })).status,
    403,
    'a viewer sees but cannot change',
  );

  const plain = await login('openid');
  assert.equal(
    (await call(server, plain.access_token, 'GET', `/orgs/${orgId}`)).status,
    401,
    'a token not meant for the API',
  );
});
