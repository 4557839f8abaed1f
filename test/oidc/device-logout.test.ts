// The device authorization grant and RP-initiated logout, end to end with openid-client and the
// provider's own pages (user code, confirmation, logout confirmation) driven like a script-less browser.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import {
  CookieJar,
  openPage,
  pageText,
  startLogin,
  submitForm,
  submitLoginName,
  submitPassword,
} from '../helpers/login.ts';
import {
  appConfig,
  createOidcApp,
  customClaims,
  login,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const POST_LOGOUT_URI = 'https://rp.test/signed-out';

let fixture: OidcFixture;
let deviceApp: TestApp;
let logoutApp: TestApp;

before(async () => {
  fixture = await startOidcFixture();
  deviceApp = await createOidcApp(fixture, fixture.demoProjectId, 'tv-app', {
    redirectUris: [],
    grantTypes: [DEVICE_GRANT],
    appType: 'native',
    authMethod: 'none',
    idTokenRoleAssertion: true,
    accessTokenRoleAssertion: true,
    accessTokenType: 'jwt',
  });
  logoutApp = await createOidcApp(fixture, fixture.demoProjectId, 'signing-out-rp', {
    postLogoutRedirectUris: [POST_LOGOUT_URI],
  });
});
after(() => fixture.server.stop());

/** One poll of the token endpoint with the device code: the tokens, or the OAuth error code. */
async function poll(
  config: client.Configuration,
  deviceCode: string,
): Promise<Awaited<ReturnType<typeof client.genericGrantRequest>> | string> {
  try {
    return await client.genericGrantRequest(config, DEVICE_GRANT, { device_code: deviceCode });
  } catch (error) {
    if (error instanceof client.ResponseBodyError) return error.error;
    throw error;
  }
}

describe('device authorization', () => {
  it('answers authorization_pending until the user confirms and logs in, then issues tokens with the roles, once', async () => {
    const config = await appConfig(fixture, deviceApp);
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid profile' });
    assert.match(device.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(device.verification_uri, `${fixture.baseUrl}/oauth/v2/device`);
    assert.equal(device.expires_in, 300);
    assert.equal(await poll(config, device.device_code), 'authorization_pending');

    const jar = new CookieJar();
    const confirm = await openPage(jar, device.verification_uri_complete!);
    assert.match(pageText(confirm.page!.html), new RegExp(device.user_code));
    const loginPage = await submitForm(confirm, { confirm: 'yes' });
    assert.match(loginPage.page!.html, /name="loginName"/);
    assert.equal(await poll(config, device.device_code), 'authorization_pending', 'confirming alone is not enough');
    const done = await submitPassword(await submitLoginName(loginPage, 'alice'), 'Demo-Passw0rd!');
    assert.match(pageText(done.page!.html), /Device signed in/);

    const tokens = await poll(config, device.device_code);
    assert.ok(typeof tokens !== 'string', `tokens expected, got ${String(tokens)}`);
    const roles = { accountant: { [fixture.orgs.Beta!]: 'beta.localhost' } };
    const roleClaims = {
      'urn:zitadel:iam:org:project:roles': roles,
      [`urn:zitadel:iam:org:project:${fixture.demoProjectId}:roles`]: roles,
    };
    const alice = await userIdOf(fixture, 'alice');
    assert.equal(tokens.claims()!.sub, alice);
    assert.deepEqual(
      customClaims(tokens.claims()!),
      roleClaims,
      'idTokenRoleAssertion on, idTokenUserinfoAssertion off',
    );
    const { payload: access } = await jwtVerify(
      tokens.access_token,
      createRemoteJWKSet(new URL(`${fixture.baseUrl}/oauth/v2/keys`)),
      { issuer: fixture.baseUrl },
    );
    assert.deepEqual(customClaims(access), roleClaims);
    assert.ok((access.aud as string[]).includes(fixture.demoProjectId));
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, alice);
    assert.equal(userinfo.preferred_username, 'alice@alpha.localhost');
    assert.equal(await poll(config, device.device_code), 'invalid_grant', 'a device code is redeemed once');
  });

  it('answers access_denied when the user aborts on the confirmation page', async () => {
    const config = await appConfig(fixture, deviceApp);
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid' });
    const confirm = await openPage(new CookieJar(), device.verification_uri_complete!);
    await submitForm(confirm, { abort: 'yes' });
    assert.equal(await poll(config, device.device_code), 'access_denied');
  });

  it('is refused to an application without the device-code grant type', async () => {
    const config = await appConfig(fixture, logoutApp);
    // node-oidc-provider answers invalid_request here (RFC 8628 would suggest unauthorized_client).
    const refused = (error: client.ResponseBodyError) =>
      error.error === 'invalid_request' && error.error_description === `${DEVICE_GRANT} is not allowed for this client`;
    await assert.rejects(client.initiateDeviceAuthorization(config, { scope: 'openid' }), refused);
  });
});

describe('RP-initiated logout', () => {
  /** An authorization request in the browser of `jar`: the code when the session satisfies it, else the page shown. */
  async function authorize(jar: CookieJar) {
    return startLogin({ baseUrl: fixture.baseUrl, ...logoutApp, scope: 'openid', jar });
  }

  it('with id_token_hint and a registered post_logout_redirect_uri: confirms, redirects with the state, and ends the session', async () => {
    const jar = new CookieJar();
    const tokens = await login(fixture, logoutApp, 'bob', 'openid', jar);
    assert.ok(
      (await authorize(jar)).callbackUrl?.searchParams.get('code'),
      'the session satisfies a new request without a login',
    );

    const config = await appConfig(fixture, logoutApp);
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'bye',
    });
    assert.equal(endSession.pathname, '/oidc/v1/end_session');
    const confirm = await openPage(jar, endSession.toString(), POST_LOGOUT_URI);
    assert.match(confirm.page!.html, /name="logout" value="yes"/);
    const signedOut = await submitForm(confirm, { logout: 'yes' });
    assert.equal(signedOut.callbackUrl?.toString(), `${POST_LOGOUT_URI}?state=bye`);

    const again = await authorize(jar);
    assert.equal(again.callbackUrl, null, 'no code without a new login');
    assert.match(again.page!.html, /name="loginName"/);
  });

  it('refuses an unregistered post_logout_redirect_uri, and the session survives', async () => {
    const jar = new CookieJar();
    const tokens = await login(fixture, logoutApp, 'bob', 'openid', jar);
    const config = await appConfig(fixture, logoutApp);
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://evil.test/signed-out',
    });
    const refused = await openPage(jar, endSession.toString(), 'https://evil.test/signed-out');
    assert.equal(refused.callbackUrl, null, 'never redirected to the unregistered URI');
    assert.equal(refused.page!.status, 400);
    assert.match(pageText(refused.page!.html), /post_logout_redirect_uri not registered/);
    assert.ok((await authorize(jar)).callbackUrl?.searchParams.get('code'), 'still signed in');
  });
});
