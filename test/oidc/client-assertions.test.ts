import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { bootstrapToken, call } from '../api/helpers.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

// private_key_jwt client assertions (issue 13, item 13): the audience is the issuer identifier alone (a string, or an
// array holding only it, what ZITADEL's SDKs send), and an assertion lives at most an hour (ZITADEL's limit), issued
// no later than now (within a small clock skew). Checked at the introspection and the token endpoints.

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const HOUR = 3600;

let fixture: OidcFixture;
let clientId: string;
let keyId: string;
let privateKey: CryptoKey;
let endpoints: { issuer: string; token_endpoint: string; introspection_endpoint: string };

interface AssertionClaims {
  aud: string | string[];
  /** Seconds from now. */
  iat?: number;
  exp?: number;
}

function assertion({ aud, iat = 0, exp = 300 }: AssertionClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: keyId })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(aud)
    .setIssuedAt(now + iat)
    .setExpirationTime(now + exp)
    .sign(privateKey);
}

async function post(url: string, form: Record<string, string>): Promise<{ status: number; error?: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error ? { error: body.error } : {}) };
}

/** Whether the assertion authenticates the client at introspection and at the token endpoint. */
async function authenticates(claims: AssertionClaims): Promise<boolean> {
  const auth = { client_assertion_type: ASSERTION_TYPE };
  const introspection = await post(endpoints.introspection_endpoint, {
    ...auth,
    client_assertion: await assertion(claims),
    token: 'no-such-token',
  });
  // An API app has no grant: once authenticated, it is refused the grant, not the authentication.
  const token = await post(endpoints.token_endpoint, {
    ...auth,
    client_assertion: await assertion(claims),
    grant_type: 'client_credentials',
  });
  const accepted = introspection.status === 200;
  assert.equal(token.error !== 'invalid_client', accepted, `both endpoints agree: ${JSON.stringify(token)}`);
  if (!accepted) assert.deepEqual(introspection, { status: 401, error: 'invalid_client' });
  return accepted;
}

before(async () => {
  fixture = await startOidcFixture();
  const admin = await bootstrapToken(fixture.server);
  const app = await call(fixture.server, admin, 'POST', `/projects/${fixture.demoProjectId}/apps`, {
    type: 'api',
    name: 'Assertion signer',
    authMethod: 'private_key_jwt',
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  clientId = app.body.clientId as string;
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  const appPath = `/projects/${fixture.demoProjectId}/apps/${app.body.id as string}`;
  const key = await call(fixture.server, admin, 'POST', `${appPath}/keys`, { jwk: await exportJWK(pair.publicKey) });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  keyId = key.body.keyId as string;
  endpoints = (await (await fetch(`${fixture.baseUrl}/.well-known/openid-configuration`)).json()) as typeof endpoints;
});
after(() => fixture.server.stop());

describe('client assertion audience', () => {
  it('accepts the issuer identifier, as a string or as an array holding only it', async () => {
    assert.equal(await authenticates({ aud: endpoints.issuer }), true);
    assert.equal(await authenticates({ aud: [endpoints.issuer] }), true);
  });

  it('refuses an array with another audience beside the issuer, and the endpoint URLs', async () => {
    const { issuer, token_endpoint: token, introspection_endpoint: introspection } = endpoints;
    for (const aud of [
      [issuer, 'https://other.example'],
      token,
      [token],
      introspection,
      [introspection],
      [token, issuer],
    ])
      assert.equal(await authenticates({ aud }), false, JSON.stringify(aud));
  });
});

describe('client assertion lifetime', () => {
  it('accepts an assertion of five minutes and one of exactly an hour', async () => {
    assert.equal(await authenticates({ aud: endpoints.issuer, exp: 300 }), true);
    assert.equal(await authenticates({ aud: endpoints.issuer, exp: HOUR }), true);
  });

  it('refuses one valid for a year, or for just over an hour, and one issued in the future', async () => {
    assert.equal(await authenticates({ aud: endpoints.issuer, exp: 365 * 24 * HOUR }), false, 'a year');
    assert.equal(await authenticates({ aud: endpoints.issuer, iat: -60, exp: HOUR }), false, 'an hour and a minute');
    assert.equal(await authenticates({ aud: endpoints.issuer, iat: 120, exp: 300 }), false, 'issued in two minutes');
  });
});
