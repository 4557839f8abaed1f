// The rest of the conformance suite's Basic OP plan (oidcc-basic-certification-test-plan) that a test can reproduce
// without the suite: request parameters that must be accepted or refused, hints, client_secret_post, and refresh tokens
// bound to their client. Modules not here: oidcc-id-token-unsigned (needs dynamic registration of alg none; skipped by
// the suite for static clients), oidcc-codereuse-30seconds (conformance-requests.test.ts, without the 30 s wait).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { authorize, callbackError, codeFlow, redeem, type AuthorizationRequest } from '../helpers/conformance.ts';
import { CookieJar, pageText } from '../helpers/login.ts';
import {
  appConfig,
  createOidcApp,
  introspect,
  startOidcFixture,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';

let fixture: OidcFixture;
let app: TestApp;
let config: client.Configuration;

before(async () => {
  fixture = await startOidcFixture();
  app = await createOidcApp(fixture, fixture.demoProjectId, 'plan-rp');
  config = await appConfig(fixture, app);
});
after(() => fixture.server.stop());

function request(params: Record<string, string>, jar = new CookieJar()): AuthorizationRequest {
  return { baseUrl: fixture.baseUrl, app, config, jar, params: { scope: 'openid', ...params } };
}

/** A raw authorization request (openid-client always adds response_type): the response, not followed. */
function rawAuthorize(params: Record<string, string>): Promise<Response> {
  const url = new URL('/oauth/v2/authorize', fixture.baseUrl);
  url.search = new URLSearchParams({ client_id: app.clientId, ...params }).toString();
  return fetch(url, { redirect: 'manual' });
}

describe('requests that succeed', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['without a nonce (oidcc-ensure-request-without-nonce-succeeds-for-code-flow)', {}],
    ['with an unknown parameter (oidcc-ensure-request-with-unknown-parameter-succeeds)', { extra: 'foobar' }],
    ['with scopes in another order (oidcc-ensure-other-scope-order-succeeds)', { scope: 'email openid' }],
    ['with display=page (oidcc-display-page)', { display: 'page' }],
    ['with display=popup (oidcc-display-popup)', { display: 'popup' }],
    ['with ui_locales (oidcc-ui-locales)', { ui_locales: 'se' }],
    ['with claims_locales (oidcc-claims-locales)', { claims_locales: 'se' }],
    ['with acr_values (oidcc-ensure-request-with-acr-values-succeeds)', { acr_values: '1 2' }],
  ];
  for (const [title, params] of cases) {
    it(title, async () => {
      const tokens = await codeFlow(request(params), 'alice');
      assert.ok(tokens.id_token);
    });
  }

  it('with a valid PKCE challenge from a confidential client (oidcc-ensure-request-with-valid-pkce-succeeds)', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    const params = { code_challenge: challenge, code_challenge_method: 'S256' };
    assert.ok((await codeFlow(request(params), 'alice', { pkceCodeVerifier: verifier })).id_token);
  });

  it('with client_secret_post (oidcc-server-client-secret-post)', async () => {
    const postApp = await createOidcApp(fixture, fixture.demoProjectId, 'plan-post-rp', { authMethod: 'post' });
    const postConfig = await client.discovery(
      new URL(fixture.baseUrl),
      postApp.clientId,
      undefined,
      client.ClientSecretPost(postApp.clientSecret!),
      { execute: [client.allowInsecureRequests] },
    );
    const tokens = await codeFlow({ ...request({}), app: postApp, config: postConfig }, 'alice');
    assert.ok(tokens.id_token);
  });
});

describe('hints', () => {
  it('login_hint fills in the login name (oidcc-login-hint)', async () => {
    const flow = await authorize(request({ login_hint: 'alice@alpha.localhost' }));
    assert.match(flow.page!.html, /value="alice@alpha\.localhost"/);
  });

  it('id_token_hint with prompt=none and the same user: a code (oidcc-id-token-hint)', async () => {
    const jar = new CookieJar();
    const first = await codeFlow(request({}, jar), 'alice');
    const again = await redeem(
      config,
      await authorize(request({ prompt: 'none', id_token_hint: first.id_token! }, jar)),
    );
    assert.equal(again.claims()!.sub, first.claims()!.sub);
  });
});

describe('requests that are refused', () => {
  it('without response_type: invalid_request to the client (oidcc-response-type-missing)', async () => {
    const response = await rawAuthorize({ redirect_uri: app.redirectUri, scope: 'openid', state: 's' });
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
  });

  it('an unregistered redirect_uri: an error page, never a redirect (oidcc-ensure-registered-redirect-uri)', async () => {
    const response = await rawAuthorize({
      response_type: 'code',
      redirect_uri: 'https://attacker.test/callback',
      scope: 'openid',
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(pageText(await response.text()), /redirect_uri/);
  });

  it('a request object is refused as unsupported (oidcc-unsigned-request-object-supported-correctly-or-rejected)', async () => {
    const requestObject = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ client_id: app.clientId, response_type: 'code', scope: 'openid' }),
    ).toString('base64url')}.`;
    assert.equal(config.serverMetadata().request_parameter_supported ?? false, false);
    const flow = await authorize(request({ request: requestObject }));
    assert.equal(callbackError(flow), 'request_not_supported');
  });
});

describe('refresh tokens (oidcc-refresh-token)', () => {
  it('are bound to their client: another client cannot use one', async () => {
    const tokens = await codeFlow(request({ scope: 'openid offline_access', prompt: 'consent' }), 'alice');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    // OIDC Core 12.2: the refreshed ID token has the same iss, sub, aud and auth_time as the first.
    for (const claim of ['iss', 'sub', 'aud', 'auth_time'])
      assert.deepEqual(refreshed.claims()![claim], tokens.claims()![claim], claim);
    const other = await createOidcApp(fixture, fixture.demoProjectId, 'plan-other-rp');
    await assert.rejects(
      client.refreshTokenGrant(await appConfig(fixture, other), refreshed.refresh_token!),
      (error: client.ResponseBodyError) => error.error === 'invalid_grant',
    );
  });

  // OIDC Core 12.2: the refreshed ID token's aud is the first one's. ZITADEL keeps the session's audience with its
  // refresh token (internal/command/oidc_session.go), so the refreshed access token does not gain the new client.
  it('keep the first aud when the project gains a client between login and refresh', async () => {
    const tokens = await codeFlow(request({ scope: 'openid offline_access', prompt: 'consent' }), 'alice');
    const later = await createOidcApp(fixture, fixture.demoProjectId, 'plan-later-rp');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.deepEqual(refreshed.claims()!.aud, tokens.claims()!.aud);
    const [first, again] = [
      await introspect(config, tokens.access_token),
      await introspect(config, refreshed.access_token),
    ];
    assert.deepEqual(again.aud, first.aud);
    assert.ok(!(again.aud as string[]).includes(later.clientId), 'the access token does not gain the new client');
    // The rotated refresh token keeps it as well; a new login names the new client.
    const twice = await client.refreshTokenGrant(config, refreshed.refresh_token!);
    assert.deepEqual(twice.claims()!.aud, tokens.claims()!.aud);
    assert.deepEqual((await introspect(config, twice.access_token)).aud, first.aud);
    const fresh = await codeFlow(request({ scope: 'openid' }), 'alice');
    assert.ok((fresh.claims()!.aud as string[]).includes(later.clientId));
  });
});
