// A relying party on another site sends its authorization request as a form POST (OIDC Core 3.1.2.1), in headless
// Chromium: the 303 to the same request by GET (http/middleware/post-requests.ts) must carry the browser's
// SameSite=Lax session cookie, so that prompt=none finds the session as it does for a GET.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumMissing, launchChromium } from '../helpers/browser.ts';
import type { Browser, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { createOidcApp, startOidcFixture, type OidcFixture, type TestApp } from '../helpers/oidc.ts';

const skip = chromiumMissing;
/** The relying party's site, served by the browser's request interception: another site than the issuer's. */
const RP = 'http://rp.test';

let fixture: OidcFixture;
let app: TestApp;
let browser: Browser;

before(async () => {
  if (skip) return;
  fixture = await startOidcFixture();
  app = await createOidcApp(fixture, fixture.demoProjectId, 'cross-site-rp', { redirectUris: [`${RP}/callback`] });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await fixture?.server.stop();
});

/** Serves the relying party: a page that POSTs `params` to the authorization endpoint, and its callback. */
async function serveRelyingParty(page: Page, params: Record<string, string>): Promise<void> {
  const inputs = Object.entries({ client_id: app.clientId, redirect_uri: app.redirectUri, ...params })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
  await page.route(`${RP}/**`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: route.request().url().startsWith(`${RP}/callback`)
        ? '<p>callback</p>'
        : `<form method="post" action="${fixture.baseUrl}/oauth/v2/authorize">${inputs}</form>` +
          '<script>document.forms[0].submit()</script>',
    }),
  );
}

describe('authorization by form POST from another site', { skip }, () => {
  it('a login, then prompt=none finds the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await serveRelyingParty(page, { response_type: 'code', scope: 'openid', state: 'first' });
      await page.goto(`${RP}/start`);
      await page.getByLabel('Login name').fill('alice');
      await page.getByRole('button', { name: 'Next' }).click();
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${RP}/callback?**`);
      assert.ok(new URL(page.url()).searchParams.get('code'), 'a code after the login');

      await page.unroute(`${RP}/**`);
      await serveRelyingParty(page, { response_type: 'code', scope: 'openid', prompt: 'none', state: 'second' });
      await page.goto(`${RP}/again`);
      await page.waitForURL(`${RP}/callback?**state=second**`);
      const callback = new URL(page.url());
      assert.equal(callback.searchParams.get('error'), null, `no error: ${callback.toString()}`);
      assert.ok(callback.searchParams.get('code'), 'a code from the session, without a page');
    } finally {
      await context.close();
    }
  });
});
