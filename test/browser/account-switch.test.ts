// Two accounts signed in in one real browser: an authorization without a hint shows the account chooser, and choosing
// the other account continues without a password (the provider's switch of its session included), with the keyboard
// only, on a phone-sized screen.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { bootstrapToken } from '../api/helpers.ts';
import { assertAccessibleBasics, chromiumMissing, launchChromium, typeLoginName } from '../helpers/browser.ts';
import { clientConfig } from '../helpers/login.ts';
import { demoLogin, orgWithUser, PASSWORD, type OrgUser } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const skip = chromiumMissing;

let server: TestServer;
let browser: Browser;
let alice: OrgUser;
let bob: OrgUser;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  const admin = await bootstrapToken(server);
  alice = await orgWithUser(server, admin, {});
  bob = await orgWithUser(server, admin, {});
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A login through the demo app (prompt=login), typed; the ID token claims its callback page shows. */
async function signIn(page: Page, user: OrgUser): Promise<Record<string, unknown>> {
  await typeLoginName(page, `${server.url}/demo/login`, user.username);
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/demo\/callback/);
  return JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Record<string, unknown>;
}

/** Moves the focus with Tab until it is on the button named `name`; false when it never gets there. */
async function tabTo(page: Page, name: string): Promise<boolean> {
  for (let presses = 0; presses < 10; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
    if (focused === name) return true;
  }
  return false;
}

describe('switching accounts in a real browser', { skip }, () => {
  it('shows the chooser for a request without a hint and switches to the other account without a password', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    try {
      const aliceLogin = await signIn(page, alice);
      await signIn(page, bob);

      const options = demoLogin(server);
      const config = await clientConfig(options.baseUrl, options.clientId, options.clientSecret);
      const codeVerifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const authorization = client.buildAuthorizationUrl(config, {
        redirect_uri: options.redirectUri,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
      });
      await page.goto(authorization.toString());
      await page.getByRole('button', { name: `Continue as ${alice.username}` }).waitFor();
      await assertAccessibleBasics(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, 'no horizontal scrolling at 360 px');
      assert.ok(await page.getByRole('button', { name: `Continue as ${bob.username}` }).isVisible());

      assert.ok(await tabTo(page, `Continue as ${alice.username}`), 'the keyboard reaches the account');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/demo\/callback\?/);
      const tokens = await client.authorizationCodeGrant(config, new URL(page.url()), {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
      });
      const claims = tokens.claims()!;
      assert.equal(claims.sub, alice.userId, 'alice, without her password');
      assert.equal(claims.auth_time, aliceLogin.auth_time, 'her own login');
    } finally {
      await context.close();
    }
  });
});
