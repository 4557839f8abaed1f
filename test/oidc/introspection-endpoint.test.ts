// Castellan's introspection endpoint (src/oidc/introspection-endpoint.ts), answered in front of the provider's router:
// the route's headers, the library's errors, `token_type_hint` and the tokens of every introspectable kind, end to end
// with a real relying-party library. What it relies on in the library: test/oidc/library-overrides-endpoints.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import {
  appConfig,
  createOidcApp,
  introspect,
  login,
  startOidcFixture,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';

const OFFLINE = 'openid profile email offline_access';
/** As in test/oidc/library-overrides-endpoints.test.ts: the headers of the route's own middlewares. */
const ROUTE_HEADERS = ['cache-control', 'access-control-allow-origin', 'access-control-expose-headers', 'vary'];

let fixture: OidcFixture;
let app: TestApp;
let config: client.Configuration;
let tokens: { access_token: string; refresh_token?: string };

before(async () => {
  fixture = await startOidcFixture();
  app = await createOidcApp(fixture, fixture.demoProjectId, 'introspection-endpoint-app', {
    accessTokenType: 'bearer',
  });
  config = await appConfig(fixture, app);
  tokens = await login(fixture, app, 'alice', OFFLINE);
});
after(() => fixture.server.stop());

function introspectionRequest(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const basic = Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64');
  return fetch(`${fixture.baseUrl}/oauth/v2/introspect`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
}

describe('the introspection endpoint', () => {
  it('sends the headers of the library route and its errors: a wrong secret, no token, a refused origin', async () => {
    const answered = await introspectionRequest({ token: tokens.access_token });
    assert.equal(answered.status, 200);
    assert.match(answered.headers.get('content-type') ?? '', /^application\/json/);
    const routeHeaders = ['no-store', '*', 'WWW-Authenticate', 'Origin'];
    assert.deepEqual(
      ROUTE_HEADERS.map((name) => answered.headers.get(name)),
      routeHeaders,
    );
    const wrongSecret = await introspectionRequest(
      { token: tokens.access_token },
      { authorization: `Basic ${Buffer.from(`${app.clientId}:wrong`).toString('base64')}` },
    );
    assert.equal(wrongSecret.status, 401);
    assert.deepEqual(await wrongSecret.json(), {
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    assert.match(wrongSecret.headers.get('www-authenticate') ?? '', /^Basic realm="[^"]+", error="invalid_client"/);
    const noToken = await introspectionRequest({});
    assert.equal(noToken.status, 400);
    assert.deepEqual(await noToken.json(), {
      error: 'invalid_request',
      error_description: "missing required parameter 'token'",
    });
    assert.deepEqual(
      ROUTE_HEADERS.map((name) => noToken.headers.get(name)),
      routeHeaders,
    );
    // lib/helpers/defaults.js `clientBasedCORS`: a confidential client's endpoint is not for browsers.
    const fromBrowser = await introspectionRequest({ token: tokens.access_token }, { origin: 'https://rp.example' });
    assert.equal(fromBrowser.status, 400);
    assert.equal(((await fromBrowser.json()) as { error: string }).error, 'invalid_request');
  });

  it('finds access and refresh tokens whatever token_type_hint says, and describes each kind', async () => {
    const refreshToken = tokens.refresh_token!;
    for (const hint of [undefined, 'access_token', 'refresh_token', 'something_else']) {
      const parameters: Record<string, string> = hint ? { token_type_hint: hint } : {};
      const access = (await client.tokenIntrospection(config, tokens.access_token, parameters)) as Record<
        string,
        unknown
      >;
      const refresh = (await client.tokenIntrospection(config, refreshToken, parameters)) as Record<string, unknown>;
      assert.deepEqual([access.active, access.token_type, access.client_id], [true, 'Bearer', app.clientId], hint);
      assert.deepEqual([refresh.active, refresh.token_type, refresh.client_id], [true, undefined, app.clientId], hint);
      assert.equal(access.sub, refresh.sub);
      assert.equal(typeof access.sub, 'string');
      assert.deepEqual(access.aud, refresh.aud);
      assert.equal(refresh.email, access.email);
    }
  });

  it('answers active: false for a value that is no token', async () => {
    assert.deepEqual(await introspect(config, 'no-such-token'), { active: false });
  });
});
