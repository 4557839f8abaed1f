// Setting up and using TOTP in a real browser, with the keyboard only, on a phone-sized screen: the code is computed
// from the secret the page shows, as a person would type it from their authenticator app.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { totpCode } from '../../src/platform/one-time-codes.ts';
import { bootstrapToken } from '../api/helpers.ts';
import {
  assertAccessibleBasics,
  focusedIdOnceSettled,
  chromiumMissing,
  launchChromium,
  typeLoginName,
} from '../helpers/browser.ts';
import { nextStepCode, orgWithUser, PASSWORD, type OrgUser } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const skip = chromiumMissing;

let server: TestServer;
let browser: Browser;
let user: OrgUser;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  user = await orgWithUser(server, await bootstrapToken(server), { forceMfa: true, mfaInitSkipLifetime: 0 });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function noHorizontalScrolling(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, `${page.url()}: no horizontal scrolling at 360 px`);
}

/** The login name and password pages, typed with the keyboard (each field has the focus on arrival). */
async function typeCredentials(page: Page): Promise<void> {
  await typeLoginName(page, `${server.url}/demo/login`, user.username);
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
}

async function idTokenClaims(page: Page): Promise<Record<string, unknown>> {
  await page.waitForURL(/\/demo\/callback/);
  return JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Record<string, unknown>;
}

describe('TOTP in a real browser', { skip }, () => {
  let secret = '';

  it('sets up an authenticator app from the page: QR code, secret as text, first code, recovery codes', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    try {
      await typeCredentials(page);
      await page.getByLabel('Code from the app').waitFor();
      await assertAccessibleBasics(page);
      await noHorizontalScrolling(page);
      const qr = page.getByRole('img', { name: /QR code/ });
      assert.ok(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), 'the QR code renders');
      secret = ((await page.locator('#totp-secret').textContent()) ?? '').replace(/\s/g, '');
      assert.match(secret, /^[A-Z2-7]{32}$/);
      assert.equal(await focusedIdOnceSettled(page, 'code'), 'code');

      await page.keyboard.type('000000');
      await page.keyboard.press('Enter');
      await page.locator('#code-error').waitFor();
      await assertAccessibleBasics(page);
      assert.equal(
        await page
          .locator('#totp-secret')
          .textContent()
          .then((t) => t?.replace(/\s/g, '')),
        secret,
      );

      await page.getByLabel('Code from the app').focus();
      await page.keyboard.type(totpCode(secret));
      await page.keyboard.press('Enter');
      await page.locator('#recovery-codes').waitFor();
      await assertAccessibleBasics(page);
      await noHorizontalScrolling(page);
      assert.equal(await page.locator('#recovery-codes li').count(), 10);
      assert.equal(await focusedIdOnceSettled(page, 'continue'), 'continue', 'the Continue button has the focus');
      await page.keyboard.press('Enter');
      assert.deepEqual((await idTokenClaims(page)).amr, ['pwd', 'otp', 'mfa']);
    } finally {
      await context.close();
    }
  });

  it('asks for a code at the next login', async () => {
    assert.ok(secret, 'the set-up test ran');
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    try {
      await typeCredentials(page);
      await page.getByLabel('Code', { exact: true }).waitFor();
      await assertAccessibleBasics(page);
      await noHorizontalScrolling(page);
      assert.equal(await focusedIdOnceSettled(page, 'code'), 'code');
      await page.keyboard.type(nextStepCode(secret));
      await page.keyboard.press('Enter');
      assert.deepEqual((await idTokenClaims(page)).amr, ['pwd', 'otp', 'mfa']);
    } finally {
      await context.close();
    }
  });
});
