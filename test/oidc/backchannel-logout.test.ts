// OpenID Connect Back-Channel Logout 1.0 on RP-initiated logout: the apps that took part in the browser's session
// and registered a back-channel logout URI get a logout token at that URI (a real receiver on loopback, so the
// server runs with OUTBOUND_PRIVATE_ADDRESSES), verified with jose against the issuer's JWKS.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { CookieJar, openPage, submitForm, type Browsing } from '../helpers/login.ts';
import {
  appConfig,
  createOidcApp,
  login,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';
import {
  BACKCHANNEL_LOGOUT_EVENT,
  startLogoutReceiver,
  verifyLogoutToken,
  type LogoutReceiver,
} from '../helpers/logout-receiver.ts';

const SIGNED_OUT = 'https://rp.test/signed-out';

let fixture: OidcFixture;
let receiver: LogoutReceiver;
/** Wants `sid` in its logout tokens. */
let withSid: TestApp;
let withoutSid: TestApp;
let noUri: TestApp;
let unreachable: TestApp;
let hanging: TestApp;

before(async () => {
  fixture = await startOidcFixture({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  receiver = await startLogoutReceiver();
  const app = (clientId: string, backChannelLogoutUri: string | null, backChannelLogoutSessionRequired = false) =>
    createOidcApp(fixture, fixture.demoProjectId, clientId, {
      devMode: true,
      postLogoutRedirectUris: [SIGNED_OUT],
      backChannelLogoutUri,
      backChannelLogoutSessionRequired,
    });
  withSid = await app('bcl-sid', `${receiver.origin}/sid?tenant=a`, true);
  withoutSid = await app('bcl-plain', `${receiver.origin}/plain`);
  noUri = await app('bcl-none', null);
  unreachable = await app('bcl-down', `http://127.0.0.1:${await freeLoopbackPort()}/logout`);
  hanging = await app('bcl-slow', `${receiver.origin}/slow`);
});
after(async () => {
  await receiver.close();
  await fixture.server.stop();
});
beforeEach(() => receiver.deliveries.splice(0));

/** One browser signed in to each app in turn (single sign-on after the first): the first app's tokens. */
async function signInTo(jar: CookieJar, apps: TestApp[]) {
  const first = await login(fixture, apps[0]!, 'bob', 'openid', jar);
  for (const app of apps.slice(1)) await login(fixture, app, 'bob', 'openid', jar);
  return first;
}

/** RP-initiated logout of the whole session (`logout=yes` on the confirmation page), started with GET. */
async function logOutWithGet(jar: CookieJar, app: TestApp, idToken: string): Promise<Browsing> {
  const url = client.buildEndSessionUrl(await appConfig(fixture, app), {
    id_token_hint: idToken,
    post_logout_redirect_uri: SIGNED_OUT,
  });
  return submitForm(await openPage(jar, url.toString(), SIGNED_OUT), { logout: 'yes' });
}

describe('back-channel logout on RP-initiated logout', () => {
  it('discovery advertises back-channel logout with sessions (and no front-channel logout)', async () => {
    const discovery = (await (await fetch(`${fixture.baseUrl}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(discovery.backchannel_logout_supported, true);
    assert.equal(discovery.backchannel_logout_session_supported, true);
    assert.equal(discovery.frontchannel_logout_supported, undefined);
  });

  it('GET end_session: every app of the session with a URI gets a verified logout token; sid only when asked', async () => {
    const jar = new CookieJar();
    const first = await signInTo(jar, [withSid, withoutSid, noUri]);
    const sid = decodeJwt(first.id_token!).sid;
    assert.equal(typeof sid, 'string', 'an app that asks for sessions gets sid in its ID token');

    const signedOut = await logOutWithGet(jar, withSid, first.id_token!);
    assert.equal(signedOut.callbackUrl?.toString(), SIGNED_OUT);

    const byPath = new Map(receiver.deliveries.map((delivery) => [delivery.path, delivery]));
    assert.deepEqual([...byPath.keys()].sort(), ['/plain', '/sid?tenant=a'], 'the registered URIs exactly, once each');
    const bob = await userIdOf(fixture, 'bob');
    const sidToken = await verifyLogoutToken(fixture.baseUrl, byPath.get('/sid?tenant=a')!.logoutToken!, 'bcl-sid');
    assert.equal(sidToken.sub, bob);
    assert.equal(sidToken.sid, sid, 'the session the ID token named');
    assert.deepEqual(sidToken.events, { [BACKCHANNEL_LOGOUT_EVENT]: {} });
    assert.ok(sidToken.exp! > sidToken.iat! && sidToken.exp! - sidToken.iat! <= 120);
    const plainToken = await verifyLogoutToken(fixture.baseUrl, byPath.get('/plain')!.logoutToken!, 'bcl-plain');
    assert.equal(plainToken.sub, bob);
    assert.equal(plainToken.sid, undefined, 'no sid for an app that did not ask for sessions');
    assert.notEqual(plainToken.jti, sidToken.jti);
    assert.equal(byPath.get('/plain')!.contentType, 'application/x-www-form-urlencoded');
  });

  // RP-Initiated Logout 1.0 §2 requires POST too (issue 14 item 8).
  it('POST end_session (RP-Initiated Logout 1.0 §2): the apps are notified as with GET', async () => {
    const jar = new CookieJar();
    const first = await signInTo(jar, [withSid, withoutSid]);
    const response = await fetch(`${fixture.baseUrl}/oidc/v1/end_session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(new URL(fixture.baseUrl)) },
      body: new URLSearchParams({ id_token_hint: first.id_token!, post_logout_redirect_uri: SIGNED_OUT }),
    });
    jar.store(response);
    assert.equal(response.status, 200, 'the confirmation page');
    const confirm: Browsing = {
      jar,
      redirectUri: SIGNED_OUT,
      page: { url: response.url, status: response.status, html: await response.text() },
      callbackUrl: null,
    };
    const signedOut = await submitForm(confirm, { logout: 'yes' });
    assert.equal(signedOut.callbackUrl?.toString(), SIGNED_OUT);
    assert.deepEqual(receiver.deliveries.map((delivery) => delivery.path).sort(), ['/plain', '/sid?tenant=a']);
  });

  it('an unreachable or silent URI does not break the logout; the other apps are still told, within the time bound', async () => {
    const jar = new CookieJar();
    const first = await signInTo(jar, [withSid, unreachable, hanging]);
    const started = performance.now();
    const signedOut = await logOutWithGet(jar, withSid, first.id_token!);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(signedOut.callbackUrl?.toString(), SIGNED_OUT, 'signed out');
    assert.ok(seconds < 5, `the silent app is given up on (library timeout 2.5 s); took ${seconds.toFixed(1)} s`);
    assert.deepEqual(receiver.deliveries.map((delivery) => delivery.path).sort(), ['/sid?tenant=a', '/slow']);
  });

  it('an app without a URI, alone in the session, gets nothing', async () => {
    const jar = new CookieJar();
    const tokens = await signInTo(jar, [noUri]);
    await logOutWithGet(jar, noUri, tokens.id_token!);
    assert.deepEqual(receiver.deliveries, []);
  });
});
