// Application development mode (ZITADEL's devMode): redirect and post-logout URIs are glob patterns and
// plain http is accepted; without it, a pattern is just a URI that must match exactly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { globMatches } from '../../src/domain/rules/uri-globs.ts';
import { CookieJar, openPage, startLogin, submitForm } from '../helpers/login.ts';
import { appConfig, createOidcApp, login, startOidcFixture, type OidcFixture, type TestApp } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let devApp: TestApp;
let strictApp: TestApp;

before(async () => {
  fixture = await startOidcFixture();
  devApp = await createOidcApp(fixture, fixture.demoProjectId, 'dev-rp', {
    devMode: true,
    redirectUris: ['http://*.dev.test/callback', 'http://localhost:*/cb'],
    postLogoutRedirectUris: ['http://*.dev.test/bye'],
  });
  strictApp = await createOidcApp(fixture, fixture.demoProjectId, 'strict-rp', {
    redirectUris: ['https://*.dev.test/callback'],
  });
});
after(() => fixture.server.stop());

/** Where an authorization request with this redirect URI lands: the redirect URI (accepted) or an error page. */
async function tryRedirect(app: TestApp, redirectUri: string) {
  return startLogin({ baseUrl: fixture.baseUrl, ...app, redirectUri, scope: 'openid' });
}

describe('development mode', () => {
  it('globs match any run of characters but `/`, and `?` one character', () => {
    assert.ok(globMatches('http://*.dev.test/callback', 'http://feature-1.dev.test/callback'));
    assert.ok(!globMatches('http://*.dev.test/callback', 'http://a/b.dev.test/callback'));
    assert.ok(globMatches('http://localhost:?0/cb', 'http://localhost:80/cb'));
    assert.ok(!globMatches('http://a.test/cb', 'http://aatest/cb'), 'the dot is literal');
  });

  it('accepts http redirect URIs matching a pattern (even one that is no valid URL) and refuses others', async () => {
    const tokens = await login(
      fixture,
      { ...devApp, redirectUri: 'http://feature-1.dev.test/callback' },
      'bob',
      'openid',
    );
    assert.ok(tokens.id_token);
    const loopback = await tryRedirect(devApp, 'http://localhost:4321/cb');
    assert.match(loopback.page!.html, /name="loginName"/, 'accepted: the login starts');
    const other = await tryRedirect(devApp, 'http://feature-1.dev.test/elsewhere');
    assert.equal(other.page?.status, 400);
    assert.equal(other.callbackUrl, null);
  });

  it('matches post-logout redirect URIs as patterns too', async () => {
    const jar = new CookieJar();
    const tokens = await login(
      fixture,
      { ...devApp, redirectUri: 'http://feature-2.dev.test/callback' },
      'bob',
      'openid',
      jar,
    );
    const endSession = client.buildEndSessionUrl(await appConfig(fixture, devApp), {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'http://feature-2.dev.test/bye',
    });
    const confirm = await openPage(jar, endSession.toString(), 'http://feature-2.dev.test/bye');
    const signedOut = await submitForm(confirm, { logout: 'yes' });
    assert.equal(signedOut.callbackUrl?.toString(), 'http://feature-2.dev.test/bye');
  });

  it('without development mode, a pattern matches only itself', async () => {
    const refused = await tryRedirect(strictApp, 'https://feature-1.dev.test/callback');
    assert.equal(refused.page?.status, 400);
    assert.equal(refused.callbackUrl, null);
  });
});
