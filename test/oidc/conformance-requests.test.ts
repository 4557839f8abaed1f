// The OpenID conformance suite's Basic OP plan (oidcc-basic-certification-test-plan), request by request, with a
// confidential client (client_secret_basic) that does not use PKCE, as the suite's client does: authorization by GET
// and by POST, nonce, prompt=none / login / consent, max_age, code reuse, and RP-initiated logout by GET and POST.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import {
  authorize,
  callbackError,
  codeFlow,
  redeem,
  signIn,
  sleep,
  type AuthorizationRequest,
} from '../helpers/conformance.ts';
import { CookieJar, openPage, submitForm } from '../helpers/login.ts';
import {
  appConfig,
  createOidcApp,
  introspect,
  startOidcFixture,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';

const POST_LOGOUT_URI = 'https://rp.test/signed-out';

let fixture: OidcFixture;
let app: TestApp;
let config: client.Configuration;

before(async () => {
  fixture = await startOidcFixture();
  app = await createOidcApp(fixture, fixture.demoProjectId, 'conformance-rp', {
    postLogoutRedirectUris: [POST_LOGOUT_URI],
  });
  config = await appConfig(fixture, app);
});
after(() => fixture.server.stop());

function request(params: Record<string, string>, jar = new CookieJar(), method?: 'GET' | 'POST'): AuthorizationRequest {
  return { baseUrl: fixture.baseUrl, app, config, jar, params: { scope: 'openid', ...params }, method };
}

describe('authorization requests (OIDC Core 3.1.2.1)', () => {
  it('GET without PKCE from a confidential client: code, tokens, and the nonce echoed (oidcc-server)', async () => {
    const nonce = client.randomNonce();
    const state = client.randomState();
    const tokens = await codeFlow(request({ nonce, state }), 'alice', { expectedNonce: nonce, expectedState: state });
    assert.equal(tokens.claims()!.nonce, nonce);
    assert.ok(tokens.claims()!.auth_time, 'auth_time present');
  });

  it('POST: the form parameters are answered as the same request by GET (oidcc-ensure-post-request-succeeds)', async () => {
    const nonce = client.randomNonce();
    const state = client.randomState();
    const flow = await authorize(request({ nonce, state }, new CookieJar(), 'POST'));
    assert.match(flow.page!.html, /name="loginName"/, 'the login page');
    const tokens = await redeem(config, await signIn(flow, 'alice'), { expectedNonce: nonce, expectedState: state });
    assert.equal(tokens.claims()!.nonce, nonce);
  });

  it('POST with a session and prompt=none: the session cookie is used (a 303 to a top-level GET carries it)', async () => {
    const jar = new CookieJar();
    await codeFlow(request({}, jar), 'alice');
    const flow = await authorize(request({ prompt: 'none' }, jar, 'POST'));
    assert.ok(flow.callbackUrl?.searchParams.get('code'), `a code, got ${flow.callbackUrl}`);
  });

  it('POST with a body that is not a form is refused (415)', async () => {
    const response = await fetch(`${fixture.baseUrl}/oauth/v2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: app.clientId }),
    });
    assert.equal(response.status, 415);
  });
});

describe('prompt and max_age', () => {
  it('prompt=none without a session: login_required to the redirect URI (oidcc-prompt-none-not-logged-in)', async () => {
    const flow = await authorize(request({ prompt: 'none', state: 'xyz' }));
    assert.equal(callbackError(flow), 'login_required');
    assert.equal(flow.callbackUrl!.searchParams.get('state'), 'xyz');
  });

  it('prompt=none with a session: a code without any page (oidcc-prompt-none-logged-in)', async () => {
    const jar = new CookieJar();
    const first = await codeFlow(request({}, jar), 'bob');
    const tokens = await redeem(config, await authorize(request({ prompt: 'none' }, jar)));
    assert.equal(tokens.claims()!.sub, first.claims()!.sub);
  });

  it('prompt=login asks for a new login even with a session, and auth_time moves (oidcc-prompt-login)', async () => {
    const jar = new CookieJar();
    const first = await codeFlow(request({}, jar), 'bob');
    await sleep(1100);
    const flow = await authorize(request({ prompt: 'login' }, jar));
    assert.match(flow.page?.html ?? '', /name="(loginName|password)"/, 'a login page, not a code');
    const second = await redeem(config, await signIn(flow, 'bob'));
    assert.ok(second.claims()!.auth_time! > first.claims()!.auth_time!, 'a later auth_time');
  });

  it('max_age=1 two seconds later: a new login, and auth_time in the ID token (oidcc-max-age-1)', async () => {
    const jar = new CookieJar();
    const first = await codeFlow(request({}, jar), 'bob');
    // auth_time has whole seconds: 1 s later may still be within max_age=1; the suite waits 2 s (WaitFor2Seconds).
    await sleep(2100);
    const flow = await authorize(request({ max_age: '1' }, jar));
    assert.match(flow.page?.html ?? '', /name="(loginName|password)"/, 'a login page, not a code');
    const second = await redeem(config, await signIn(flow, 'bob'), { maxAge: 1 });
    assert.ok(second.claims()!.auth_time! > first.claims()!.auth_time!, 'a later auth_time');
  });

  it('max_age=10000 with a session: no login, auth_time of the first login (oidcc-max-age-10000)', async () => {
    const jar = new CookieJar();
    const first = await codeFlow(request({}, jar), 'bob');
    const second = await redeem(config, await authorize(request({ max_age: '10000' }, jar)), { maxAge: 10000 });
    assert.equal(second.claims()!.auth_time, first.claims()!.auth_time);
  });

  it('prompt=consent with offline_access: a login, then a refresh token that refreshes (oidcc-refresh-token)', async () => {
    const flow = await authorize(request({ scope: 'openid offline_access', prompt: 'consent' }));
    assert.match(flow.page?.html ?? '', /name="loginName"/);
    const tokens = await redeem(config, await signIn(flow, 'alice'));
    assert.ok(tokens.refresh_token, 'a refresh token');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.equal(refreshed.claims()!.sub, tokens.claims()!.sub);
  });

  it('prompt=consent with a session: no loop back to the login, a code at once', async () => {
    const jar = new CookieJar();
    await codeFlow(request({}, jar), 'alice');
    const flow = await authorize(request({ scope: 'openid offline_access', prompt: 'consent' }, jar));
    assert.ok(flow.callbackUrl?.searchParams.get('code'), `a code, stopped on ${flow.page?.url}`);
    assert.ok((await redeem(config, flow)).refresh_token);
  });
});

describe('codes (oidcc-codereuse)', () => {
  it('a second redemption of a code fails and revokes the tokens issued from the first', async () => {
    const flow = await signIn(await authorize(request({ scope: 'openid offline_access', prompt: 'consent' })), 'bob');
    const tokens = await redeem(config, flow);
    assert.equal((await introspect(config, tokens.access_token)).active, true);
    await assert.rejects(redeem(config, flow), (error: client.ResponseBodyError) => error.error === 'invalid_grant');
    assert.equal((await introspect(config, tokens.access_token)).active, false, 'the access token is revoked');
    await assert.rejects(
      client.refreshTokenGrant(config, tokens.refresh_token!),
      (error: client.ResponseBodyError) => error.error === 'invalid_grant',
      'the refresh token is revoked',
    );
  });
});

describe('RP-initiated logout (RP-Initiated Logout 1.0 §2): GET and POST', () => {
  for (const method of ['GET', 'POST'] as const) {
    it(`${method}: confirms, redirects with the state, and ends the session`, async () => {
      const jar = new CookieJar();
      const tokens = await codeFlow(request({}, jar), 'bob');
      const endSession = client.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: POST_LOGOUT_URI,
        state: 'bye',
      });
      let target = endSession.toString();
      if (method === 'POST') {
        const posted = await fetch(`${endSession.origin}${endSession.pathname}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(endSession) },
          body: endSession.searchParams,
          redirect: 'manual',
        });
        assert.equal(posted.status, 303);
        target = new URL(posted.headers.get('location')!, endSession).toString();
      }
      const confirm = await openPage(jar, target, POST_LOGOUT_URI);
      const signedOut = await submitForm(confirm, { logout: 'yes' });
      assert.equal(signedOut.callbackUrl?.toString(), `${POST_LOGOUT_URI}?state=bye`);
      assert.equal(callbackError(await authorize(request({ prompt: 'none' }, jar))), 'login_required');
    });
  }
});
