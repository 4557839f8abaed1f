// Logos in Chromium (issue 18): ACME's owner uploads a logo and a dark-mode one through the branding page's file
// inputs; the console header and the sandboxed login preview load them under the pages' CSP; the login page of an
// authorization for ACME shows ACME's logo, the dark one when the browser prefers dark; a wrong file's error is next
// to its field. axe-core checks the page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Locator } from 'playwright-core';
import {
  checkConsolePage,
  chromiumMissing,
  consoleInChromium,
  orgScopedLoginUrl,
  asAcmeOwner,
} from '../helpers/console.ts';
import { pngOf, SVG } from '../helpers/images.ts';

const shared = consoleInChromium();

/** The image's intrinsic width once loaded: 0 when the browser refused or failed to load it. */
const loadedWidth = (image: Locator) =>
  image.evaluate(async (element: HTMLImageElement) => {
    await element.decode().catch(() => undefined);
    return element.naturalWidth;
  });

describe('branding logos in Chromium', { skip: chromiumMissing }, () => {
  it('uploaded in the console, shown in its header, its preview and the org’s login page', async () => {
    await asAcmeOwner(shared, async (page, fixture) => {
      const acme = fixture.orgs.ACME!;
      const { browser } = shared;
      const refusedByCsp: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Cross-Origin-Resource-Policy/i.test(message.text()))
          refusedByCsp.push(message.text());
      });
      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${acme}/branding`);
      await page
        .getByLabel('Logo image')
        .setInputFiles({ name: 'notes.txt', mimeType: 'image/png', buffer: Buffer.from('text') });
      await page.getByRole('button', { name: 'Upload logo', exact: true }).click();
      const field = page.getByLabel('Logo image');
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('#uploadLogo-image-error').innerText(), /must be a PNG, JPEG, GIF, WebP or SVG/);

      await field.setInputFiles({ name: 'acme.png', mimeType: 'image/png', buffer: pngOf(60, 20, [170, 51, 0]) });
      await page.getByRole('button', { name: 'Upload logo', exact: true }).click();
      await page.getByText('Your changes are saved.').waitFor();
      await page
        .getByLabel('Logo for dark mode image')
        .setInputFiles({ name: 'dark.svg', mimeType: 'image/svg+xml', buffer: SVG });
      await page.getByRole('button', { name: 'Upload logo for dark mode' }).click();
      await page.getByText('Your changes are saved.').waitFor();

      const header = page.locator('header.top img.logo');
      assert.equal(await header.getAttribute('alt'), 'ACME');
      assert.equal(await loadedWidth(header), 60, 'the console header loads the logo');
      const preview = page.frameLocator('iframe[title="Preview of the login page"]').locator('header img.logo');
      assert.equal(await loadedWidth(preview), 60, 'the sandboxed preview loads it too');
      await checkConsolePage(page, 'org-branding-logos', ['iframe.preview']);
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.reload();
      assert.equal(await loadedWidth(header), 120, 'the dark-mode logo (an SVG, 120 wide) where dark is preferred');
      assert.deepEqual(refusedByCsp, [], 'nothing refused by a Content-Security- or Cross-Origin-Resource-Policy');

      // The login page of an authorization for ACME (its org scope), in a browser without a session, wears ACME's
      // branding.
      const login = await (await browser.newContext()).newPage();
      await login.goto(orgScopedLoginUrl(fixture.baseUrl, acme, 'logo-test'));
      await login.getByLabel('Login name').waitFor();
      const logo = login.locator('header img.logo');
      assert.equal(await logo.getAttribute('alt'), 'ACME');
      assert.equal(await loadedWidth(logo), 60);
      await login.emulateMedia({ colorScheme: 'dark' });
      await login.reload();
      assert.equal(await loadedWidth(login.locator('header img.logo')), 120);
      await login.context().close();
    });
  });
});
