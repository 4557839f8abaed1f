// The Content-Security-Policy in a real browser: the pages keep their styles and the provider's self-submitting
// form still submits (no violation reported), and no page can be framed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumMissing, launchChromium } from '../helpers/browser.ts';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

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

/** Content-Security-Policy violations the page reports (Chromium logs each one on the console). */
function violations(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
  return seen;
}

/** Whether the layout's stylesheet applied: a flex body around a white card. */
async function styled(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const main = document.querySelector('main');
    return (
      !!main &&
      getComputedStyle(document.body).display === 'flex' &&
      getComputedStyle(main).backgroundColor === 'rgb(255, 255, 255)'
    );
  });
}

describe('the Content-Security-Policy in a browser', { skip }, () => {
  it('the pages keep their styles and the provider’s scripts run: a login, the result, a logout', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused = violations(page);
    try {
      await page.goto(`${server.url}/`);
      assert.ok(await styled(page), 'start page styled');
      await page.goto(`${server.url}/demo/login`);
      await page.waitForURL(/\/ui\/login\/[^/]+$/);
      assert.ok(await styled(page), 'login page styled');
      await page.getByLabel('Login name').fill('alice');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByLabel('Password').press('Enter');
      await page.waitForURL(/\/demo\/callback/);
      assert.ok(await styled(page), 'demo result styled');
      const panels = await page.evaluate(() => getComputedStyle(document.querySelector('.panels')!).display);
      assert.equal(panels, 'grid', 'the demo page’s own style applied');
      await page.goto(`${server.url}/oidc/v1/end_session`);
      assert.ok(await styled(page), 'logout page styled');
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.getByText('You have been signed out').waitFor();
      // Without a session the provider answers a page whose inline script submits the form: it must run.
      await page.goto(`${server.url}/oidc/v1/end_session`);
      await page.getByText('You have been signed out').waitFor();
      assert.deepEqual(refused, []);
    } finally {
      await context.close();
    }
  });

  it('no page can be framed', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refused = violations(page);
    try {
      await page.goto(`${server.url}/healthz`);
      const loginUrl = `${server.url}/demo/login`;
      await page.setContent(`<iframe src="${loginUrl}" title="framed"></iframe>`);
      await page.waitForTimeout(1500);
      const framed = page.frames().find((frame) => frame !== page.mainFrame());
      const text = await framed?.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      assert.ok(!/Login name/.test(text ?? ''), 'the login page did not render in the frame');
      assert.ok(
        refused.some((message) => /frame-ancestors/.test(message)),
        `the browser says why: ${refused.join(' | ')}`,
      );
    } finally {
      await context.close();
    }
  });
});
