import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { assertAccessibleBasics, focusedIdOnceSettled, chromiumMissing, launchChromium } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// scripts/run-tests.ts installs Chromium before the suite where it can; elsewhere these tests are skipped.
const skip = chromiumMissing;

let server: TestServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  server = await startTestServer();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('login in a real browser', { skip }, () => {
  it('logs in through the real pages with the keyboard only and shows the demo claims', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/`);
      await assertAccessibleBasics(page);
      await page.getByRole('link', { name: 'Log in as a demo user' }).click();

      await page.waitForURL(/\/ui\/login\/[^/]+$/);
      await assertAccessibleBasics(page);
      // The login name field has the focus on arrival, then the keyboard moves on to the submit button.
      assert.equal(await focusedIdOnceSettled(page, 'loginName'), 'loginName');
      await page.keyboard.type('alice');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Next');
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Enter');

      // The password page is the answer to the login name form.
      await page.getByLabel('Password').waitFor();
      await assertAccessibleBasics(page);
      assert.equal(await focusedIdOnceSettled(page, 'password'), 'password');
      await page.keyboard.type('not the password');
      // The answer re-renders the page at the same URL: wait for its error message, not for a URL change.
      await page.keyboard.press('Enter');
      await page.locator('#password-error').waitFor();
      await assertAccessibleBasics(page);
      const error = await page.evaluate(() => {
        const field = document.getElementById('password');
        const id = field?.getAttribute('aria-describedby');
        return {
          text: id ? document.getElementById(id)?.textContent : null,
          invalid: field?.getAttribute('aria-invalid'),
        };
      });
      assert.equal(error.text, LOGIN_MESSAGES.passwordInvalid, 'the error is tied to the password field');
      assert.equal(error.invalid, 'true');

      await page.getByLabel('Password').focus();
      await page.keyboard.type(DEMO_PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/demo\/callback/);
      await assertAccessibleBasics(page);
      const idToken = JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Record<string, unknown>;
      assert.ok(idToken['urn:zitadel:iam:org:project:roles'], 'the roles claim is shown');
    } finally {
      await context.close();
    }
  });

  it('the pages stay usable on a narrow screen', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/demo/login`);
      await page.waitForURL(/\/ui\/login\//);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, 'no horizontal scrolling');
      const box = await page.getByLabel('Login name').boundingBox();
      assert.ok(box && box.width > 250, 'the field uses the width');
    } finally {
      await context.close();
    }
  });
});
