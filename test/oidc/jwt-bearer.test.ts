// The JWT bearer grant (RFC 7523 §2.1) as ZITADEL implements it for machine users (docs/zitadel-behaviour.md §10):
// key files from the management API, @zitadel/node's ServiceAccount unchanged, ZITADEL's assertion checks.
import assert from 'node:assert/strict';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ServiceAccount } from '@zitadel/node/dist/credentials/service-account.js';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID } from '../../src/domain/setup/demo.ts';
import { ProjectGrant, User, UserGrant } from '../../src/store/models/index.ts';
import { clientConfig } from '../helpers/login.ts';
import { appConfig, customClaims, demoApp, introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { bootstrapToken, call } from '../api/helpers.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** One refusal whether the user, its org or its key is missing, inactive or expired: nothing to probe. */
const NO_SUCH_KEY = /kid names no unexpired key of an active machine user of an active org/;

interface KeyFile {
  type: string;
  keyId: string;
  key: string;
  userId: string;
  expirationDate: string;
}

let fixture: OidcFixture;
let admin: string;
let orgId: string;

async function machineUser(
  username: string,
  accessTokenType: 'bearer' | 'jwt' = 'bearer',
  inOrg = orgId,
): Promise<string> {
  const created = await call(fixture.server, admin, 'POST', `/orgs/${inOrg}/users/machine`, {
    username,
    name: username,
    accessTokenType,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id as string;
}

async function keyFile(userId: string, body: Record<string, unknown> = {}): Promise<KeyFile> {
  const created = await call(fixture.server, admin, 'POST', `/users/${userId}/keys`, body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body as unknown as KeyFile;
}

function sign(file: KeyFile, claims: JWTPayload, header: { kid?: string; key?: KeyObject } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: file.userId, sub: file.userId, aud: fixture.baseUrl, iat: now, exp: now + 600, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? file.keyId })
    .sign(header.key ?? createPrivateKey(file.key));
}

async function tokenRequest(
  assertion: string,
  scope = 'openid',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${fixture.baseUrl}/oauth/v2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion, scope }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** ZITADEL's refusal (invalid_grant), with a description that says what is wrong with the assertion. */
async function assertRefused(assertion: string, why: string, description = NO_SUCH_KEY): Promise<void> {
  const answer = await tokenRequest(assertion);
  assert.equal(answer.status, 400, `${why}: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.error, 'invalid_grant', `${why}: ${JSON.stringify(answer.body)}`);
  assert.match(String(answer.body.error_description), description, why);
}

async function verify(token: string): Promise<Record<string, unknown>> {
  const keys = createRemoteJWKSet(new URL(`${fixture.baseUrl}/oauth/v2/keys`));
  return (await jwtVerify(token, keys, { issuer: fixture.baseUrl })).payload;
}

const apiOrgStatus = async (token: string) => (await call(fixture.server, token, 'GET', `/orgs/${orgId}`)).status;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
  orgId = fixture.orgs.ACME!;
});
after(() => fixture.server.stop());

describe('JWT bearer grant', () => {
  it('is advertised in discovery', async () => {
    const discovery = (await (await fetch(`${fixture.baseUrl}/.well-known/openid-configuration`)).json()) as {
      grant_types_supported: string[];
    };
    assert.ok(discovery.grant_types_supported.includes(JWT_BEARER));
  });

  it('a key file from Castellan works unchanged with @zitadel/node ServiceAccount, and its token calls the API', async () => {
    const userId = await machineUser('sdk-bot');
    const members = await call(fixture.server, admin, 'POST', `/orgs/${orgId}/members`, {
      userId,
      roles: ['ORG_OWNER'],
    });
    assert.equal(members.status, 201, JSON.stringify(members.body));
    const file = await keyFile(userId);
    assert.equal(file.type, 'serviceaccount');
    assert.equal(file.userId, userId);
    assert.match(file.key, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assert.equal(file.expirationDate, '9999-01-01T23:59:59.000Z');

    const account = ServiceAccount.fromJsonString(JSON.stringify(file));
    const token = await account.authenticate(fixture.baseUrl, { apiAccess: true });
    const org = await call(fixture.server, token, 'GET', `/orgs/${orgId}`);
    assert.equal(org.status, 200, JSON.stringify(org.body));
    assert.equal(org.body.id, orgId);
  });

  it('refuses, as invalid_grant, assertions ZITADEL refuses', async () => {
    const userId = await machineUser('checked-bot');
    const file = await keyFile(userId);
    const other = await keyFile(await machineUser('other-bot'));
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await tokenRequest(await sign(file, {}))).status, 200, 'the well-formed assertion passes');
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ['wrong audience', sign(file, { aud: 'https://elsewhere.example' }), /"aud" claim/],
      ['audience array without the issuer', sign(file, { aud: ['https://elsewhere.example'] }), /"aud" claim/],
      ['expired', sign(file, { iat: now - 120, exp: now - 60 }), /"exp" claim/],
      ['exp more than an hour ahead', sign(file, { exp: now + 3600 + 120 }), /exp more than 3600 seconds ahead/],
      ['iat in the future', sign(file, { iat: now + 300, exp: now + 600 }), /"iat" claim/],
      ['iat more than an hour ago', sign(file, { iat: now - 3700, exp: now + 60 }), /"iat" claim/],
      ['not before in the future', sign(file, { nbf: now + 300 }), /"nbf" claim/],
      ['no iat', sign(file, { iat: undefined }), /"iat" claim/],
      ['iss != sub', sign(file, { iss: other.userId }), /iss and sub must both be the user id/],
      ['sub of another user', sign(file, { iss: other.userId, sub: other.userId }), NO_SUCH_KEY],
      ['signed by another key', sign(file, {}, { key: createPrivateKey(other.key) }), /signature verification failed/],
      ["another user's key id", sign(file, {}, { kid: other.keyId }), NO_SUCH_KEY],
      ['unknown key id', sign(file, {}, { kid: 'no-such-key' }), NO_SUCH_KEY],
      ['not a JWT', Promise.resolve('not-a-jwt'), /not a signed JWT/],
    ];
    for (const [why, assertion, description] of cases) await assertRefused(await assertion, why, description);
  });

  it('accepts an audience array holding the issuer', async () => {
    const file = await keyFile(await machineUser('array-bot'));
    const answer = await tokenRequest(await sign(file, { aud: ['https://elsewhere.example', fixture.baseUrl] }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });

  it('refuses an expired key, a human user, a deactivated user and a user of a deactivated org', async () => {
    const expiring = await keyFile(await machineUser('expiring-bot'), {
      expirationDate: new Date(Date.now() + 1500).toISOString(),
    });
    const fresh = await sign(expiring, {});
    assert.equal((await tokenRequest(fresh)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await assertRefused(await sign(expiring, {}), 'expired key');

    // A human user with a key written past the API (which gives keys to machine users only).
    const human = await call(fixture.server, admin, 'GET', '/users/_by-login-name/alice@alpha.localhost');
    const humanFile = await keyFile(await machineUser('donor-bot'));
    const donor = await User.findById(humanFile.userId).lean();
    await User.updateOne({ _id: human.body.id as string }, { $set: { machine: donor!.machine } });
    await assertRefused(await sign({ ...humanFile, userId: human.body.id as string }, {}), 'human user');

    const deactivated = await keyFile(await machineUser('deactivated-bot'));
    assert.equal((await call(fixture.server, admin, 'POST', `/users/${deactivated.userId}/deactivate`)).status, 200);
    await assertRefused(await sign(deactivated, {}), 'deactivated user');

    const beta = fixture.orgs.Beta!;
    const betaUser = await call(fixture.server, admin, 'POST', `/orgs/${beta}/users/machine`, {
      username: 'beta-bot',
      name: 'Beta bot',
    });
    const betaFile = await keyFile(betaUser.body.id as string);
    assert.equal((await tokenRequest(await sign(betaFile, {}))).status, 200);
    assert.equal((await call(fixture.server, admin, 'POST', `/orgs/${beta}/deactivate`)).status, 200);
    await assertRefused(await sign(betaFile, {}), 'deactivated org');
    assert.equal((await call(fixture.server, admin, 'POST', `/orgs/${beta}/reactivate`)).status, 200);
  });

  it('gives the same scopes, claims and audience as client credentials, to the user id as client', async () => {
    const userId = await machineUser('twin-bot', 'jwt', fixture.orgs.Beta!);
    const secret = await call(fixture.server, admin, 'POST', `/users/${userId}/secret`);
    const config = await clientConfig(fixture.baseUrl, 'twin-bot', secret.body.clientSecret as string);
    const file = await keyFile(userId);
    const betaGrant = await ProjectGrant.findOne({
      instanceId: fixture.instanceId,
      projectId: fixture.demoProjectId,
      grantedOrgId: fixture.orgs.Beta,
    }).lean();
    await UserGrant.create({
      instanceId: fixture.instanceId,
      userId,
      userOrgId: fixture.orgs.Beta,
      orgId: fixture.orgs.Beta,
      projectId: fixture.demoProjectId,
      projectGrantId: betaGrant!._id,
      roleKeys: ['developer'],
    });
    const aud = `urn:zitadel:iam:org:project:id:${fixture.demoProjectId}:aud`;
    const { Alpha, Beta } = fixture.orgs;
    const scopes = [
      '',
      'openid profile email',
      `urn:zitadel:iam:org:id:${Alpha} urn:zitadel:iam:org:id:${Beta} urn:zitadel:iam:user:resourceowner`,
      `${aud} urn:zitadel:iam:org:projects:roles`,
      `${aud} urn:zitadel:iam:org:project:role:developer urn:zitadel:iam:org:project:id:zitadel:aud`,
    ];
    const sameClient = (claims: Record<string, unknown>, clientId: string) => ({
      ...customClaims(claims),
      aud: ([claims.aud].flat() as string[]).map((value) => (value === clientId ? 'CLIENT' : value)),
      sub: claims.sub,
    });
    for (const scope of scopes) {
      const credentials = await client.clientCredentialsGrant(config, { scope });
      const bearer = await tokenRequest(await sign(file, {}), scope);
      assert.equal(bearer.status, 200, JSON.stringify(bearer.body));
      assert.equal(bearer.body.token_type, 'Bearer');
      assert.equal(bearer.body.expires_in, credentials.expires_in, scope);
      assert.equal(String(bearer.body.scope ?? ''), credentials.scope ?? '', scope);
      const expected = await verify(credentials.access_token);
      const actual = await verify(bearer.body.access_token as string);
      assert.equal(actual.client_id, userId);
      assert.deepEqual(sameClient(actual, userId), sameClient(expected, 'twin-bot'), scope);
    }
    const introspected = await introspect(
      await appConfig(fixture, demoApp(fixture)),
      (await tokenRequest(await sign(file, {}), aud)).body.access_token as string,
    );
    assert.equal(introspected.active, true);
    assert.equal(introspected.sub, userId);
    assert.equal(introspected.client_id, userId);
    assert.deepEqual(customClaims(introspected), {
      'urn:zitadel:iam:org:project:roles': { developer: { [Beta!]: 'beta.localhost' } },
      [`urn:zitadel:iam:org:project:${fixture.demoProjectId}:roles`]: { developer: { [Beta!]: 'beta.localhost' } },
    });
  });

  it('refuses a request without an assertion, and one that authenticates a client; ignores a client_id', async () => {
    const missing = await fetch(`${fixture.baseUrl}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER }),
    });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { error: string }).error, 'invalid_request');
    const file = await keyFile(await machineUser('authenticating-bot'));
    const authenticated = await fetch(`${fixture.baseUrl}/oauth/v2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${DEMO_CLIENT_ID}:${fixture.demoClientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: await sign(file, {}) }),
    });
    assert.equal(authenticated.status, 400, 'no application has the grant');
    assert.equal(((await authenticated.json()) as { error: string }).error, 'invalid_request');
    const withClientId = await fetch(`${fixture.baseUrl}/oauth/v2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: await sign(file, {}), client_id: file.userId }),
    });
    assert.equal(withClientId.status, 200, 'a client_id authenticates nothing (RFC 7521 §4.2)');
  });

  it('its gate client (taken in without authentication) introspects, revokes and authorizes nothing', async () => {
    const file = await keyFile(await machineUser('gated-bot'));
    const apiScope = 'openid urn:zitadel:iam:org:project:id:zitadel:aud';
    const token = (await tokenRequest(await sign(file, {}), apiScope)).body.access_token as string;
    const gate = { client_id: 'urn:castellan:jwt-bearer', token };
    const post = (path: string) =>
      fetch(`${fixture.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(gate),
      });
    assert.deepEqual(await (await post('/oauth/v2/introspect')).json(), { active: false });
    assert.notEqual((await post('/oauth/v2/revoke')).status, 200);
    const authorize = await fetch(
      `${fixture.baseUrl}/oauth/v2/authorize?client_id=${encodeURIComponent(gate.client_id)}&response_type=code` +
        '&scope=openid&redirect_uri=https%3A%2F%2Frp.test%2Fcallback',
      { redirect: 'manual' },
    );
    assert.equal(authorize.status, 400);
    assert.notEqual(await apiOrgStatus(token), 401, 'the token was not revoked');
  });
});
