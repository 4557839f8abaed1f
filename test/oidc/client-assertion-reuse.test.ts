// Client assertions (private_key_jwt) as ZITADEL accepts them (issue 14, items 2 and 3): `jti` optional, and an
// assertion valid again until it expires, at every endpoint that authenticates clients. The instance setting
// `oidc.strictClientAssertions` asks for RFC 7523 §3's stricter reading instead: a `jti` required, each assertion
// accepted once. Raw assertions signed with jose; the ZITADEL SDKs' own requests:
// test/oidc/zitadel-sdk-assertions.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { CLOCK_TOLERANCE_SECONDS } from '../../src/oidc/client-assertions.ts';
import { Instance } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let fixture: OidcFixture;
let admin: string;
let clientId: string;
let keyId: string;
let privateKey: CryptoKey;
let endpoints: { issuer: string; token_endpoint: string; introspection_endpoint: string; revocation_endpoint: string };

interface AssertionOptions {
  jti?: string;
  /** Seconds from now. */
  iat?: number;
  exp?: number;
}

/** An assertion as passport-zitadel and @zitadel/node sign it: iss = sub = client id, aud = issuer, no jti. */
function assertion({ jti, iat = 0, exp = 300 }: AssertionOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(jti ? { jti } : {})
    .setProtectedHeader({ alg: 'RS256', kid: keyId })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(endpoints.issuer)
    .setIssuedAt(now + iat)
    .setExpirationTime(now + exp)
    .sign(privateKey);
}

type Endpoint = 'introspection' | 'token' | 'revocation';

/** The status the endpoint answers the assertion with (200: authenticated; the API app has no grant to ask for). */
async function statusAt(endpoint: Endpoint, clientAssertion: string): Promise<number> {
  const url = endpoints[`${endpoint}_endpoint`];
  const forms: Record<Endpoint, Record<string, string>> = {
    introspection: { token: 'no-such-token' },
    revocation: { token: 'no-such-token' },
    token: { grant_type: 'client_credentials' },
  };
  const form = forms[endpoint];
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...form, client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion }),
  });
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (body.error === 'invalid_client') return 401;
  // An authenticated API app asking for client credentials is refused the grant, not the authentication.
  return endpoint === 'token' ? 200 : response.status;
}

async function accepted(clientAssertion: string): Promise<boolean[]> {
  const endpointsInOrder: Endpoint[] = ['introspection', 'token', 'revocation'];
  const statuses = [];
  for (const endpoint of endpointsInOrder) statuses.push(await statusAt(endpoint, clientAssertion));
  return statuses.map((status) => status === 200);
}

async function setStrict(strictClientAssertions: boolean): Promise<void> {
  const response = await call(fixture.server, admin, 'PATCH', '/instance/settings', {
    oidc: { strictClientAssertions },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

before(async () => {
  fixture = await startOidcFixture();
  // These tests are refused on purpose, more often than the failed-authentication throttle allows one client and IP.
  const generous = { max: 1000, windowSeconds: 60 };
  await Instance.updateOne(
    { _id: fixture.instanceId },
    { $set: { rateLimits: { clientAuthFailuresPerClient: generous, clientAuthFailuresPerIp: generous } } },
  );
  admin = await bootstrapToken(fixture.server);
  const app = await call(fixture.server, admin, 'POST', `/projects/${fixture.demoProjectId}/apps`, {
    type: 'api',
    name: 'ZITADEL-style signer',
    authMethod: 'private_key_jwt',
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  clientId = app.body.clientId as string;
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  const appPath = `/projects/${fixture.demoProjectId}/apps/${app.body.id as string}`;
  const key = await call(fixture.server, admin, 'POST', `${appPath}/keys`, { jwk: await exportJWK(pair.publicKey) });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  keyId = key.body.keyId as string;
  endpoints = (await (await fetch(`${fixture.baseUrl}/.well-known/openid-configuration`)).json()) as typeof endpoints;
});
after(() => fixture.server.stop());

describe('client assertions as ZITADEL accepts them (the default)', () => {
  it('accepts an assertion without jti at introspection, token and revocation', async () => {
    assert.deepEqual(await accepted(await assertion()), [true, true, true]);
  });

  it('accepts the same assertion again, with or without jti, until it expires', async () => {
    for (const signed of [await assertion(), await assertion({ jti: randomUUID() })]) {
      assert.deepEqual(await accepted(signed), [true, true, true]);
      assert.deepEqual(await accepted(signed), [true, true, true], 'reused');
    }
  });

  it('refuses it once it has expired (beyond the clock tolerance)', async () => {
    const expiresSoon = await assertion({ iat: -60, exp: 2 - CLOCK_TOLERANCE_SECONDS });
    assert.deepEqual(await accepted(expiresSoon), [true, true, true], 'within the tolerance');
    await sleep(3000);
    assert.deepEqual(await accepted(expiresSoon), [false, false, false]);
    assert.deepEqual(await accepted(await assertion({ iat: -120, exp: -60 })), [false, false, false]);
  });

  it('still checks everything else without jti: signature, issuer, audience, lifetime', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (claims: { iss?: string; aud?: string }, key: CryptoKey = privateKey) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: keyId })
        .setIssuer(claims.iss ?? clientId)
        .setSubject(clientId)
        .setAudience(claims.aud ?? endpoints.issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(key);
    const stranger = (await generateKeyPair('RS256')).privateKey;
    assert.deepEqual(await accepted(await signed({}, stranger)), [false, false, false], 'another key');
    assert.deepEqual(await accepted(await signed({ iss: 'someone-else' })), [false, false, false], 'issuer');
    assert.deepEqual(await accepted(await signed({ aud: endpoints.token_endpoint })), [false, false, false], 'aud');
    assert.deepEqual(await accepted(await assertion({ exp: 2 * 3600 })), [false, false, false], 'two hours');
    const [header, payload] = (await assertion()).split('.');
    assert.deepEqual(await accepted(`${header}.${payload}.`), [false, false, false], 'unsigned');
  });
});

describe('strict client assertions (instance setting)', () => {
  before(() => setStrict(true));
  after(() => setStrict(false));

  it('refuses an assertion without jti', async () => {
    assert.deepEqual(await accepted(await assertion()), [false, false, false]);
  });

  it('accepts an assertion with jti once, at whichever endpoint comes first', async () => {
    const signed = await assertion({ jti: randomUUID() });
    assert.deepEqual(await accepted(signed), [true, false, false]);
    assert.deepEqual(await accepted(await assertion({ jti: randomUUID() })), [true, false, false]);
  });

  it('accepts an assertion once even when many requests race with it', async () => {
    for (let round = 0; round < 5; round += 1) {
      const signed = await assertion({ jti: randomUUID() });
      const statuses = await Promise.all(Array.from({ length: 20 }, () => statusAt('introspection', signed)));
      assert.equal(statuses.filter((status) => status === 200).length, 1, `round ${round}: ${statuses.join(',')}`);
    }
  });
});
