// Forced MFA set-up with a security key in a real browser (Chromium's virtual authenticator, as in webauthn.test.ts):
// where the policy's secondFactors allow u2f the set-up page offers a key beside the authenticator app, and a key
// alone where the policy allows nothing else; the key set up is the login's second factor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bootstrapToken, call } from '../api/helpers.ts';
import { assertAccessibleBasics, chromiumMissing, launchChromium } from '../helpers/browser.ts';
import { orgWithUser, PASSWORD, type OrgUser } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const skip = chromiumMissing;

let server: TestServer;
let admin: string;
let browser: Browser;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  admin = await bootstrapToken(server);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page in a 360 px wide context with a virtual security key (a CTAP2 roaming key that keeps no credential). */
async function pageWithKey(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'usb', hasResidentKey: false, automaticPresenceSimulation: true },
  });
  return { context, page };
}

/** Login name and password typed and sent with the keyboard only. */
async function passwordByKeyboard(page: Page, user: OrgUser): Promise<void> {
  await page.goto(`${server.url}/demo/login`);
  await page.getByLabel('Login name').fill(user.username);
  await page.keyboard.press('Enter');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.keyboard.press('Enter');
}

async function factorTypes(user: OrgUser): Promise<string[]> {
  const listed = await call(server, admin, 'GET', `/users/${user.userId}/mfa`);
  return (listed.body.factors as Array<{ type: string }>).map((factor) => factor.type);
}

async function finishWithKey(page: Page): Promise<Record<string, unknown>> {
  const button = page.getByRole('button', { name: 'Add the key' });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/demo\/callback/);
  return JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Record<string, unknown>;
}

describe('setting up a security key when MFA is forced', { skip }, () => {
  it('offers a key beside the authenticator app; the key set up is the second factor', async () => {
    const user = await orgWithUser(server, admin, {
      forceMfa: true,
      mfaInitSkipLifetime: 0,
      secondFactors: ['totp', 'u2f'],
    });
    const { context, page } = await pageWithKey();
    try {
      await passwordByKeyboard(page, user);
      await page.getByText('Scan this QR code').waitFor();
      await page.getByRole('heading', { name: 'Or use a security key' }).waitFor();
      await assertAccessibleBasics(page);
      const claims = await finishWithKey(page);
      assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
      assert.deepEqual(await factorTypes(user), ['webauthn'], 'the pending app was not confirmed; the key was added');
    } finally {
      await context.close();
    }
  });

  it('offers only the key where the policy allows no authenticator app', async () => {
    const user = await orgWithUser(server, admin, { forceMfa: true, mfaInitSkipLifetime: 0, secondFactors: ['u2f'] });
    const { context, page } = await pageWithKey();
    try {
      await passwordByKeyboard(page, user);
      await page.getByRole('button', { name: 'Add the key' }).waitFor();
      assert.equal(await page.getByText('Scan this QR code').count(), 0, 'no authenticator app');
      await assertAccessibleBasics(page);
      const claims = await finishWithKey(page);
      assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
      assert.deepEqual(await factorTypes(user), ['webauthn']);
    } finally {
      await context.close();
    }
  });
});
