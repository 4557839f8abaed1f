// An app's back-channel logout settings through the management API: the URI is validated like a web app's redirect
// URIs (https unless devMode) and must be http(s); the view shows what is stored. With the default configuration the
// provider keeps node-oidc-provider's SSRF guard, so a URI on loopback is never reached.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import * as client from 'openid-client';
import { CookieJar, openPage, submitForm } from '../helpers/login.ts';
import { appConfig, login, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { startLogoutReceiver, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { bootstrapToken, call } from './helpers.ts';

let fixture: OidcFixture;
let receiver: LogoutReceiver;
let admin: string;

before(async () => {
  fixture = await startOidcFixture();
  receiver = await startLogoutReceiver();
  admin = await bootstrapToken(fixture.server);
});
after(async () => {
  await receiver.close();
  await fixture.server.stop();
});

const createApp = (body: Record<string, unknown>) =>
  call(fixture.server, admin, 'POST', `/projects/${fixture.demoProjectId}/apps`, {
    type: 'oidc',
    redirectUris: ['https://rp.test/callback'],
    ...body,
  });

it('refuses a back-channel logout URI that is not http(s), has a fragment, or is http outside devMode', async () => {
  for (const [uri, devMode] of [
    ['ftp://rp.test/logout', true],
    ['rp.test/logout', true],
    ['https://rp.test/logout#x', false],
    ['http://rp.test/logout', false],
  ] as const) {
    const refused = await createApp({ name: `refused ${uri}`, backChannelLogoutUri: uri, devMode });
    assert.equal(refused.status, 400, `${uri}: ${JSON.stringify(refused.body)}`);
    assert.deepEqual(
      (refused.body.errors as Array<{ field: string }>).map((error) => error.field),
      ['backChannelLogoutUri'],
    );
  }
});

it('stores, shows, changes and clears the settings', async () => {
  const created = await createApp({
    name: 'logout settings',
    backChannelLogoutUri: 'https://rp.test/backchannel',
    backChannelLogoutSessionRequired: true,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const path = `/projects/${fixture.demoProjectId}/apps/${created.body.id as string}`;
  const shown = (await call(fixture.server, admin, 'GET', path)).body.oidc as Record<string, unknown>;
  assert.equal(shown.backChannelLogoutUri, 'https://rp.test/backchannel');
  assert.equal(shown.backChannelLogoutSessionRequired, true);

  const refused = await call(fixture.server, admin, 'PATCH', path, { backChannelLogoutUri: 'http://rp.test/x' });
  assert.equal(refused.status, 400, 'an existing app is checked with its stored devMode');
  const cleared = await call(fixture.server, admin, 'PATCH', path, { backChannelLogoutUri: null });
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
  assert.equal((cleared.body.oidc as Record<string, unknown>).backChannelLogoutUri, null);
});

it('by default a URI on a loopback address is not posted to (the SSRF guard), and the logout still completes', async () => {
  const created = await createApp({
    name: 'loopback logout',
    devMode: true,
    postLogoutRedirectUris: ['https://rp.test/signed-out'],
    backChannelLogoutUri: `${receiver.origin}/guarded`,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const app = {
    clientId: created.body.clientId as string,
    clientSecret: created.body.clientSecret as string,
    redirectUri: 'https://rp.test/callback',
  };
  const jar = new CookieJar();
  const tokens = await login(fixture, app, 'bob', 'openid', jar);
  const url = client.buildEndSessionUrl(await appConfig(fixture, app), {
    id_token_hint: tokens.id_token!,
    post_logout_redirect_uri: 'https://rp.test/signed-out',
  });
  const confirm = await openPage(jar, url.toString(), 'https://rp.test/signed-out');
  const signedOut = await submitForm(confirm, { logout: 'yes' });
  assert.equal(signedOut.callbackUrl?.toString(), 'https://rp.test/signed-out');
  assert.deepEqual(receiver.deliveries, []);
});
