// Issue 18: seed 002's scenario built entirely in the console by the orgs' own managers, in Chromium with JavaScript
// off, every page checked with axe-core; then Alice and Bob log in to the new app and carry the expected roles.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/ensure-chromium.ts';
import { checkConsolePage, launchChromium, signedInConsole } from '../helpers/console.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const skip = existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is not installed`;
const ADMIN_PASSWORD = 'Admin-Passw0rd!-console';

let server: TestServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  server = await startTestServer({ CASTELLAN_DEMO: 'false', CASTELLAN_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('seed 002 built in the console', { skip }, () => {
  it('the IAM owner creates the three organizations', async () => {
    const { context, page } = await signedInConsole(browser, server.url, 'admin@castellan.localhost', ADMIN_PASSWORD);
    try {
      await checkConsolePage(page, 'home');
      await page.getByRole('link', { name: 'Organizations' }).click();
      await checkConsolePage(page, 'orgs');
      for (const name of ['ACME', 'Alpha', 'Beta']) {
        await page.getByLabel('Name', { exact: true }).fill(name);
        await page.getByRole('button', { name: 'Create organization' }).click();
        await page.getByRole('heading', { name, level: 1 }).waitFor();
        await checkConsolePage(page, 'org');
        await page.getByRole('link', { name: 'Organizations' }).click();
      }
      assert.equal(await page.getByRole('link', { name: 'Beta' }).count(), 1);
    } finally {
      await context.close();
    }
  });
});
