// What Castellan's replacements of node-oidc-provider methods (src/oidc/library-overrides.ts) rely on, checked on
// the library alone (see test/oidc/library-overrides.test.ts). This file: client authentication with client
// assertions (`zitadelClientAssertions`, `atomicReplayDetection`), ID tokens (`zitadelIdTokens`) and the end_session
// hint (`hintClientFromAzp`). Castellan's side, end to end: test/oidc/client-assertion-reuse.test.ts,
// test/oidc/zitadel-sdk-assertions.test.ts, test/oidc/id-token-shape.test.ts, test/foundation/adapter.test.ts.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import Provider, { type Client, type KoaContextWithOIDC } from 'oidc-provider';
import introspectionEndpoint from 'oidc-provider/lib/actions/introspection.js';
import revocationEndpoint from 'oidc-provider/lib/actions/revocation.js';
import tokenEndpoint from 'oidc-provider/lib/actions/token.js';
import clientAuthentication from 'oidc-provider/lib/shared/client_auth.js';
import { LIBRARY_REFUSALS } from '../../src/oidc/zitadel-client-assertions.ts';
import { CLIENT_ID, startBareProvider, type BareProvider } from '../helpers/bare-provider.ts';

const SIGNER_ID = 'assertion-signer';
const ISSUER = 'http://127.0.0.1';

let bare: BareProvider;
/** A provider with a private_key_jwt client, on a loopback port. */
let signer: { provider: Provider; baseUrl: string; key: CryptoKey; close(): Promise<void> };

async function startSigner(): Promise<typeof signer> {
  const pair = await generateKeyPair('RS256');
  const provider = new Provider(ISSUER, {
    clients: [
      {
        client_id: SIGNER_ID,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'signer', alg: 'RS256' }] },
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    clientAuthMethods: ['private_key_jwt'],
    features: { clientCredentials: { enabled: true } },
    ttl: { ClientCredentials: 600 },
  });
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    provider,
    baseUrl,
    key: pair.privateKey,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

before(async () => {
  bare = await startBareProvider();
  signer = await startSigner();
});
after(async () => {
  await bare.close();
  await signer.close();
});

describe('authenticateClient (lib/shared/client_auth.js) and lib/shared/jwt_client_auth.js', () => {
  it('is a middleware of the token, introspection and revocation lists, and of client_auth.js’s own', () => {
    const library = clientAuthentication.find((middleware) => middleware.name === 'authenticateClient');
    assert.ok(library);
    for (const list of [clientAuthentication, tokenEndpoint, introspectionEndpoint, revocationEndpoint])
      assert.ok(list.includes(library));
  });

  /** The detail of the client authentication failure the token endpoint answers the assertion with, or null. */
  async function refusal(assertion: string): Promise<string | null> {
    let detail: string | null = null;
    const record = (_ctx: KoaContextWithOIDC, error: { error_detail?: string }) => (detail = error.error_detail ?? '');
    signer.provider.on('grant.error', record);
    try {
      const response = await fetch(`${signer.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        }),
      });
      assert.equal(response.status, detail === null ? 200 : 401);
      return detail;
    } finally {
      signer.provider.off('grant.error', record);
    }
  }

  function assertion(claims: { jti?: string; iss?: string }, key = signer.key): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims.jti ? { jti: claims.jti } : {})
      .setProtectedHeader({ alg: 'RS256', kid: 'signer' })
      .setIssuer(claims.iss ?? SIGNER_ID)
      .setSubject(SIGNER_ID)
      .setAudience(ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key);
  }

  it('refuses an assertion without jti before checking its issuer, audience and signature', async () => {
    const stranger = (await generateKeyPair('RS256')).privateKey;
    assert.equal(await refusal(await assertion({})), LIBRARY_REFUSALS.missingJti);
    assert.equal(await refusal(await assertion({}, stranger)), LIBRARY_REFUSALS.missingJti);
    assert.equal(await refusal(await assertion({ iss: 'someone-else' })), LIBRARY_REFUSALS.missingJti);
  });

  it('refuses a reused assertion last, after every other check', async () => {
    const reused = await assertion({ jti: randomUUID() });
    assert.equal(await refusal(reused), null);
    assert.equal(await refusal(reused), LIBRARY_REFUSALS.reused);
    const stranger = (await generateKeyPair('RS256')).privateKey;
    const forged = await assertion({ jti: randomUUID() }, stranger);
    assert.notEqual(await refusal(forged), LIBRARY_REFUSALS.reused);
    assert.notEqual(await refusal(forged), LIBRARY_REFUSALS.reused, 'a forged assertion is never seen as reused');
  });
});

describe('ReplayDetection.unique', () => {
  it('stores the sha256 of iss and jti, and lets concurrent callers of the same pass (find, then save)', async () => {
    const { ReplayDetection } = bare.provider;
    assert.equal(ReplayDetection.unique.length, 3);
    const exp = Math.floor(Date.now() / 1000) + 60;
    const jti = randomUUID();
    const racing = await Promise.all([1, 2, 3].map(() => ReplayDetection.unique(CLIENT_ID, jti, exp)));
    assert.ok(racing.filter(Boolean).length > 1, `${racing.join(',')}: the race Castellan's store decides`);
    const id = createHash('sha256').update(`${CLIENT_ID}${jti}`).digest('base64url');
    assert.ok(await ReplayDetection.find(id));
    assert.equal(await ReplayDetection.unique(CLIENT_ID, jti, exp), false);
  });
});

describe('IdToken#issue and AccessToken#save', () => {
  it('signs an ID token for the client id alone, without azp; it hashes only the hashes it was given', async () => {
    const client = bare.bareClient;
    const token = new bare.provider.IdToken({ sub: 'user-1' }, { client });
    Object.assign(token, { scope: 'openid' });
    const plain = decodeJwt(await token.issue({ use: 'idtoken' }));
    assert.equal(plain.aud, CLIENT_ID);
    assert.equal(plain.azp, undefined);
    assert.equal(plain.at_hash, undefined);
    token.set('at_hash', 'the-access-token');
    const leftHalf = createHash('sha256').update('the-access-token').digest().subarray(0, 16);
    assert.equal(decodeJwt(await token.issue({ use: 'idtoken' })).at_hash, leftHalf.toString('base64url'));
  });

  it('is given no at_hash by the grants (lib/helpers/grant_common.js issueIdToken)', () => {
    const source = readFileSync(
      new URL('../../node_modules/oidc-provider/lib/helpers/grant_common.js', import.meta.url),
    );
    assert.doesNotMatch(source.toString(), /at_hash/);
  });

  it('returns the access token value from save, which finds the token', async () => {
    const token = new bare.provider.AccessToken({
      client: bare.bareClient,
      accountId: 'user-1',
      grantId: 'grant-1',
      gty: 'authorization_code',
      scope: 'openid',
    });
    const value = await token.save();
    assert.equal((await bare.provider.AccessToken.find(value))?.jti, token.jti);
  });
});

describe('end_session and OIDCContext#entity', () => {
  /** An unsigned ID token: end_session decodes the hint before it verifies it. */
  function hint(payload: Record<string, unknown>): string {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'RS256' })}.${part({ iss: ISSUER, sub: 'user-1', ...payload })}.c2ln`;
  }

  async function endSession(idTokenHint: string): Promise<string> {
    const response = await fetch(`${bare.baseUrl}/session/end?id_token_hint=${idTokenHint}`);
    return response.text();
  }

  it('takes the client from the audience of the id_token_hint entity', async () => {
    const severalAudiences = hint({ aud: [CLIENT_ID, 'project-1'], azp: CLIENT_ID });
    assert.doesNotMatch(await endSession(severalAudiences), /could not validate id_token_hint/);
    const { prototype } = bare.provider.OIDCContext;
    const entity = prototype.entity;
    prototype.entity = function azpAsAudience(this: Client, key: string, value: { payload: object }) {
      const named = key === 'IdTokenHint' ? { ...value, payload: { ...value.payload, aud: CLIENT_ID } } : value;
      entity.call(this, key, named);
    };
    try {
      // The client is found; then the hint itself is verified (its signature here is not).
      assert.match(await endSession(severalAudiences), /could not validate id_token_hint/);
    } finally {
      prototype.entity = entity;
    }
  });
});
