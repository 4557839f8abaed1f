// Chromium logs in through an upstream OpenID provider (issue 17): the IdP button on Castellan's login page, the
// upstream's own sign-in page, and back to the relying party with a user created just in time.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/ensure-chromium.ts';
import { User } from '../../src/store/models/index.ts';
import { bootstrapToken } from '../api/helpers.ts';
import { assertAccessibleBasics } from '../helpers/browser.ts';
import { CALLBACK_PATH, UPSTREAM_CLIENT, addOidcIdp, offerIdps } from '../helpers/external-login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startUpstreamOidc, type UpstreamOidc } from '../helpers/upstream-oidc.ts';

const skip = existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is not installed`;

let server: TestServer;
let upstream: UpstreamOidc;
let browser: Browser;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  upstream = await startUpstreamOidc(
    [
      {
        client_id: UPSTREAM_CLIENT.clientId,
        client_secret: UPSTREAM_CLIENT.clientSecret,
        redirect_uris: [`${server.url}${CALLBACK_PATH}`],
      },
    ],
    [{ sub: 'dora', email: 'dora@upstream.test', email_verified: true, given_name: 'Dora', family_name: 'Browser' }],
  );
  const admin = await bootstrapToken(server);
  const idp = await addOidcIdp(server, admin, null, upstream.issuer, { name: 'Corporate SSO' });
  await offerIdps(server, admin, null, [idp]);
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});
after(async () => {
  await browser?.close();
  await upstream?.stop();
  await server?.stop();
});

describe('a login through an upstream OpenID provider in a real browser', { skip }, () => {
  it('goes from the IdP button to the upstream and back, and the new user is signed in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/demo/login`);
      await page.waitForURL(/\/ui\/login\//);
      await assertAccessibleBasics(page);
      await page.getByRole('link', { name: 'Sign in with Corporate SSO' }).click();
      await page.getByLabel('Username').fill('dora');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/demo\/callback/);
      const idToken = JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Record<string, unknown>;
      assert.deepEqual(idToken.amr, ['fed']);
      const user = await User.findById(idToken.sub).lean();
      assert.equal(user?.human?.email, 'dora@upstream.test');
    } finally {
      await context.close();
    }
  });
});
