// What Castellan's replacements of node-oidc-provider methods (src/oidc/library-overrides.ts) rely on, checked on
// the library alone: a bare provider (its in-memory adapter, one static client) on a loopback port. Each test fails
// when an upgrade removes a replaced method or changes the behaviour its comment names; then read the override again.
// Castellan's side of each, end to end: client secrets (every flow authenticating a client, test/oidc/flows.test.ts),
// development-mode globs (test/oidc/dev-mode.test.ts), ID token claims (test/oidc/assertions.test.ts), JWT and sealed
// access tokens (test/oidc/machines.test.ts, test/oidc/sealed-tokens.test.ts, test/api/provider-tokens.test.ts),
// userinfo and introspection (test/oidc/assertions.test.ts, test/oidc/flows.test.ts).
// This file: the replay path (consume, revoke) and the userinfo, introspection and revocation endpoints (Castellan's
// introspection endpoint: test/oidc/introspection-endpoint.test.ts).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair, SignJWT } from 'jose';
import Provider, { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';
import revoke from 'oidc-provider/lib/helpers/revoke.js';
import introspectionEndpoint from 'oidc-provider/lib/actions/introspection.js';
import { CLIENT_ID, REGISTERED_GLOB, startBareProvider, type BareProvider } from '../helpers/bare-provider.ts';

/** The headers of the introspection route's own middlewares (lib/helpers/initialize_app.js, lib/shared/cors.js). */
const ROUTE_HEADERS = ['cache-control', 'access-control-allow-origin', 'access-control-expose-headers', 'vary'];

let provider: Provider;
let baseUrl: string;
let bareClient: Client;
let post: BareProvider['post'];
let storedToken: BareProvider['storedToken'];
let close: BareProvider['close'];

before(async () => {
  ({ provider, baseUrl, bareClient, post, storedToken, close } = await startBareProvider());
});
after(() => close());

describe('AuthorizationCode#consume, DeviceCode#consume, RefreshToken#consume, and lib/helpers/revoke.js', () => {
  const ofGrant = (grantId: string) => ({ client: bareClient, accountId: 'user-1', grantId, gty: '', scope: 'openid' });
  it('consume: what the token endpoint calls (context: `Provider.ctx`) after its replay check; its error answers', async () => {
    for (const Model of [provider.AuthorizationCode, provider.DeviceCode, provider.RefreshToken])
      assert.equal(Model.prototype.consume.length, 0);
    const grantId = await new provider.Grant({ accountId: 'user-1', clientId: CLIENT_ID }).save();
    const verifier = 'a-code-verifier-of-forty-three-characters-at-least';
    const code = new provider.AuthorizationCode({
      ...{ ...ofGrant(grantId), redirectUri: REGISTERED_GLOB, codeChallengeMethod: 'S256' },
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    });
    const form = { grant_type: 'authorization_code', code: await code.save(), redirect_uri: REGISTERED_GLOB };
    const consume = provider.AuthorizationCode.prototype.consume;
    let route: string | undefined;
    provider.AuthorizationCode.prototype.consume = async function lose() {
      route = Provider.ctx?.oidc.route;
      throw new errors.InvalidGrant('consumed by another request');
    };
    try {
      const response = await post('/token', { ...form, code_verifier: verifier });
      assert.deepEqual([response.status, ((await response.json()) as { error: string }).error], [400, 'invalid_grant']);
      assert.equal(route, 'token');
    } finally {
      provider.AuthorizationCode.prototype.consume = consume;
    }
  });

  it('revoke (the replay path) revokes the tokens of the grant and the grant', async () => {
    const grantId = await new provider.Grant({ accountId: 'user-1', clientId: CLIENT_ID }).save();
    const value = await new provider.AccessToken(ofGrant(grantId)).save();
    const ctx = { oidc: { client: bareClient, provider, route: 'token', entities: {} } };
    await revoke(ctx as unknown as KoaContextWithOIDC, grantId);
    assert.equal(await provider.AccessToken.find(value), undefined);
    assert.equal(await provider.Grant.find(grantId), undefined);
  });
});

describe('the userinfo, introspection and revocation endpoints', () => {
  it('userinfo refuses an access token with an audience (every ZITADEL access token has one)', async () => {
    const token = new provider.AccessToken({
      client: bareClient,
      accountId: 'user-1',
      gty: 'authorization_code',
      grantId: 'grant-1',
      scope: 'openid',
    });
    token.setAudience('project-1');
    const refused = new Promise<unknown>((resolve) => provider.once('userinfo.error', (_ctx, error) => resolve(error)));
    const response = await fetch(`${baseUrl}/me`, { headers: { authorization: `Bearer ${await token.save()}` } });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_token');
    assert.equal(
      ((await refused) as { error_detail?: string }).error_detail,
      'token audience prevents accessing the userinfo endpoint',
    );
  });

  it('introspection and revocation refuse JWTs, before looking them up', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const jwt = await new SignJWT({ jti: 'some-id' }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    for (const path of ['/token/introspection', '/token/revocation']) {
      const response = await post(path, { token: jwt });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, 'unsupported_token_type');
    }
  });

  it('read a body that a middleware in front has read already from `req.body`, as the client sent it', async () => {
    const value = await storedToken({ scope: 'api', aud: CLIENT_ID });
    const response = await post('/token/introspection', { token: value }, { 'x-read-form-first': 'yes' });
    assert.equal(response.status, 200);
    assert.deepEqual(
      { ...((await response.json()) as Record<string, unknown>), exp: undefined, iat: undefined },
      {
        active: true,
        client_id: CLIENT_ID,
        aud: CLIENT_ID,
        scope: 'api',
        token_type: 'Bearer',
        iss: 'http://127.0.0.1',
        exp: undefined,
        iat: undefined,
      },
    );
  });

  it('introspection: its list ends with the answer Castellan replaces; its route adds no-store and CORS headers', async () => {
    // oidc/introspection-endpoint.ts runs the list but its last middleware, with the route's error handler and CORS.
    assert.equal(introspectionEndpoint.at(-1)?.name, 'renderTokenResponse');
    const value = await storedToken({ scope: 'api', aud: CLIENT_ID });
    const forms: Record<string, string>[] = [{ token: value }, { token: value, token_type_hint: 'refresh_token' }, {}];
    for (const form of forms) {
      const response = await post('/token/introspection', form);
      assert.deepEqual(
        ROUTE_HEADERS.map((name) => response.headers.get(name)),
        ['no-store', '*', 'WWW-Authenticate', 'Origin'],
      );
    }
    const wrongSecret = await post(
      '/token/introspection',
      { token: value },
      { authorization: 'Basic YmFyZS1hcHA6eA==' },
    );
    assert.equal(wrongSecret.status, 401);
    assert.match(
      wrongSecret.headers.get('www-authenticate') ?? '',
      /^Basic realm="http:\/\/127.0.0.1", error="invalid_client"/,
    );
  });
});
