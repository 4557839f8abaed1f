import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_PASSWORD, demoClientSecret } from '../../src/domain/setup/demo.ts';
import { Application, Organization, Project, User } from '../../src/store/models/index.ts';
import {
  CookieJar,
  openPage,
  pageText,
  startLogin,
  submitForm,
  submitLoginName,
  submitPassword,
  clientConfig,
  type Browsing,
} from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

function link(page: Browsing, text: string): string {
  const anchor = [...page.page!.html.matchAll(/<a\b[^>]*href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].find(
    (match) => match[2]!.trim() === text,
  );
  assert.ok(anchor, `a link "${text}" on ${page.page!.url}`);
  return new URL(anchor[1]!.replace(/&amp;/g, '&'), page.page!.url).toString();
}

describe('demo relying party', () => {
  it('runs a real code flow and shows ID token, access token, userinfo and introspection with the roles claim', async () => {
    const jar = new CookieJar();
    const start = await openPage(jar, `${server.url}/`);
    assert.equal(start.page?.status, 200);
    const loginPage = await openPage(jar, link(start, 'Log in as a demo user'));
    assert.match(loginPage.page!.html, /name="loginName"/);
    const result = await submitPassword(await submitLoginName(loginPage, 'alice'), DEMO_PASSWORD);
    assert.equal(result.page?.status, 200, pageText(result.page!.html));
    assert.match(result.page!.url, /\/demo\/callback\?/);

    const panel = (id: string) =>
      JSON.parse(pageText(new RegExp(`<pre id="${id}">([\\s\\S]*?)</pre>`).exec(result.page!.html)![1]!)) as Record<
        string,
        unknown
      >;
    const alice = await User.findOne({ instanceId: server.bootstrap.instanceId, username: 'alice' }).lean();
    const beta = await Organization.findOne({ instanceId: server.bootstrap.instanceId, name: 'Beta' }).lean();
    const idToken = panel('id-token');
    assert.equal(idToken.sub, alice!._id);
    assert.deepEqual(idToken['urn:zitadel:iam:org:project:roles'], {
      accountant: { [beta!._id]: beta!.primaryDomain },
    });
    assert.equal(panel('userinfo').sub, alice!._id);
    assert.equal(panel('introspection').active, true);
    assert.equal(panel('access-token').sub, alice!._id);

    // Sign out through the provider's logout confirmation page, back to the start page.
    const confirm = await openPage(jar, link(result, 'Sign out'));
    assert.match(pageText(confirm.page!.html), /Do you want to sign out/);
    const signedOut = await submitForm(confirm, { logout: 'yes' });
    assert.equal(new URL(signedOut.page!.url).pathname, '/');
    const silent = await startLogin({
      baseUrl: server.url,
      clientId: DEMO_CLIENT_ID,
      clientSecret: demoClientSecret(server.services.masterKey),
      redirectUri: `${server.url}/demo/callback`,
      scope: 'openid',
      jar,
      extraParams: { prompt: 'none' },
    });
    assert.equal(silent.callbackUrl?.searchParams.get('error'), 'login_required', 'the session is gone');
  });

  it('a callback without the demo state cookie is a readable error page', async () => {
    const response = await fetch(`${server.url}/demo/callback?code=x&state=y`);
    assert.equal(response.status, 400);
    assert.match(pageText(await response.text()), /demo login has expired/);
  });
});

describe('provider pages', () => {
  it('renders authorization errors it cannot redirect as a readable branded page', async () => {
    const response = await fetch(
      `${server.url}/oauth/v2/authorize?client_id=no-such-client&response_type=code&scope=openid` +
        '&redirect_uri=https://evil.example/cb',
    );
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /<html lang="en">/);
    assert.match(pageText(html), /invalid_client/);
    assert.doesNotMatch(html, /evil\.example/);
  });

  it('device flow: code entry, a wrong code, confirmation, login, success', async () => {
    const instanceId = server.bootstrap.instanceId;
    const acme = await Organization.findOne({ instanceId, name: 'ACME' }).lean();
    const project = await Project.findOne({ instanceId, orgId: acme!._id }).lean();
    await Application.create({
      instanceId,
      projectId: project!._id,
      orgId: acme!._id,
      name: 'TV app',
      type: 'oidc',
      clientId: 'tv-app',
      oidc: {
        redirectUris: [],
        grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'],
        appType: 'native',
        authMethod: 'none',
      },
    });
    const config = await clientConfig(server.url, 'tv-app');
    const device = await client.initiateDeviceAuthorization(config, { scope: 'openid' });

    const jar = new CookieJar();
    const entry = await openPage(jar, `${server.url}/oauth/v2/device`);
    assert.match(entry.page!.html, /<label for="user_code">/);
    const wrong = await submitForm(entry, { user_code: 'BCDF-GHJK' });
    assert.equal(wrong.page?.status, 400);
    assert.match(pageText(wrong.page!.html), /code is not valid/);
    assert.match(wrong.page!.html, /aria-describedby="user_code-error"/);

    const confirm = await submitForm(wrong, { user_code: device.user_code });
    assert.match(pageText(confirm.page!.html), new RegExp(device.user_code));
    const login = await submitForm(confirm, { confirm: 'yes' });
    assert.match(login.page!.html, /name="loginName"/);
    const done = await submitPassword(await submitLoginName(login, 'acme-owner'), DEMO_PASSWORD);
    assert.match(pageText(done.page!.html), /Device signed in/);

    const tokens = await client.pollDeviceAuthorizationGrant(config, device);
    assert.ok(tokens.access_token);
  });
});
