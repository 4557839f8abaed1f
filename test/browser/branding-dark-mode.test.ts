// Dark mode in Chromium (issue 18): ACME's owner sets dark-mode colours, a dark-mode logo alone and an icon in the
// console; the console and ACME's login page then wear the dark colours (computed styles) and the dark logo where the
// browser prefers dark, the light colours and the name where it prefers light, and link the icon as their favicon. The
// editor previews both schemes. axe-core checks the console page and the login page in both schemes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import {
  checkConsolePage,
  chromiumMissing,
  consoleInChromium,
  signedInConsole,
  orgScopedLoginUrl,
} from '../helpers/console.ts';
import { pngOf, SVG } from '../helpers/images.ts';

const shared = consoleInChromium();

const DARK = {
  'Primary colour (buttons), dark': '#7c3aed',
  'Background colour, dark': '#0b1a2a',
  'Warn colour (error messages), dark': '#ff8a80',
  'Text colour on the background, dark': '#e6f0ff',
};
const rgb = (hex: string) =>
  `rgb(${[1, 3, 5].map((offset) => parseInt(hex.slice(offset, offset + 2), 16)).join(', ')})`;

/** The computed colours the branding drives: the page's background and text, a button's background. */
const coloursOf = (page: Page, button: string) =>
  page.evaluate((selector) => {
    const body = getComputedStyle(document.body);
    const buttonStyle = getComputedStyle(document.querySelector(selector)!);
    return { background: body.backgroundColor, text: body.color, button: buttonStyle.backgroundColor };
  }, button);

const visible = (page: Page, selector: string) => page.locator(selector).first().isVisible();

async function axeOf(page: Page, exclude: string[] = []): Promise<string[]> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']);
  for (const selector of exclude) builder.exclude(selector);
  const { violations } = await builder.analyze();
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

describe('dark mode in Chromium', { skip: chromiumMissing }, () => {
  it('the console and the login page wear the dark colours, the dark logo alone and the icon', async () => {
    const { fixture, browser } = shared;
    const acme = fixture.orgs.ACME!;
    const { context, page } = await signedInConsole(
      browser,
      fixture.baseUrl,
      'acme-owner@acme.localhost',
      DEMO_PASSWORD,
    );
    try {
      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${acme}/branding`);
      for (const [label, value] of Object.entries(DARK)) await page.getByLabel(label, { exact: true }).fill(value);
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByText('The preview shows what you typed').waitFor();
      const darkPreview = page.frameLocator('iframe[title="Preview of the login page in dark mode"]');
      await darkPreview.getByRole('heading', { name: 'Sign in' }).waitFor();
      const previewButton = await darkPreview
        .getByRole('button', { name: 'Next' })
        .evaluate((button) => getComputedStyle(button).backgroundColor);
      assert.equal(previewButton, rgb(DARK['Primary colour (buttons), dark']), 'the dark preview, unsaved colours');
      await page.getByRole('button', { name: 'Save branding' }).click();
      await page.getByText('Your changes are saved.').waitFor();

      await page.getByLabel('Logo for dark mode image').setInputFiles({
        name: 'dark.svg',
        mimeType: 'image/svg+xml',
        buffer: SVG,
      });
      await page.getByRole('button', { name: 'Upload logo for dark mode' }).click();
      await page.getByText('Your changes are saved.').waitFor();
      await page.getByLabel('Icon image', { exact: true }).setInputFiles({
        name: 'icon.png',
        mimeType: 'image/png',
        buffer: pngOf(32, 32, [124, 58, 237]),
      });
      await page.getByRole('button', { name: 'Upload icon', exact: true }).click();
      await page.getByText('Your changes are saved.').waitFor();
      const iconUrl = await page.locator('head link[rel="icon"]').getAttribute('href');
      assert.match(iconUrl ?? '', new RegExp(`^${fixture.baseUrl}/assets/v1/branding/${acme}/icon-[0-9a-f]{16}$`));

      // Light: the default light colours, the name in the header (no light logo), the light preview without a logo.
      await page.emulateMedia({ colorScheme: 'light' });
      await page.reload();
      const light = await coloursOf(page, 'button');
      assert.equal(light.background, rgb('#fafafa'));
      assert.equal(await visible(page, 'header.top img.logo'), false, 'the dark logo alone is not shown in light mode');
      assert.equal(await page.locator('header.top .brand .scheme-light-only').innerText(), 'ACME');
      const lightPreview = page.frameLocator('iframe[title="Preview of the login page"]');
      assert.equal(await lightPreview.locator('header img').count(), 0);
      assert.equal(await darkPreview.locator('header img.logo').getAttribute('alt'), 'ACME');
      await checkConsolePage(page, 'org-branding-dark-light', ['iframe.preview']);

      // Dark: the saved dark colours and the dark logo.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.reload();
      const dark = await coloursOf(page, 'header.top');
      assert.equal(dark.background, rgb(DARK['Background colour, dark']));
      assert.equal(dark.text, rgb(DARK['Text colour on the background, dark']));
      assert.equal(await visible(page, 'header.top img.logo'), true, 'the dark logo in dark mode');
      assert.equal(await visible(page, 'header.top .scheme-light-only'), false);
      assert.equal(await page.locator('header.top img.logo').getAttribute('alt'), 'ACME');
      assert.deepEqual(await axeOf(page, ['iframe.preview']), [], 'axe on the console page in dark mode');
      await context.close();

      // ACME's login page (its org scope) in a browser without a session, in both schemes.
      const login = await (await browser.newContext({ colorScheme: 'dark' })).newPage();
      await login.goto(orgScopedLoginUrl(fixture.baseUrl, acme, 'dark-test'));
      await login.getByLabel('Login name').waitFor();
      const loginDark = await coloursOf(login, 'button[type=submit]');
      assert.deepEqual(loginDark, {
        background: rgb(DARK['Background colour, dark']),
        text: rgb(DARK['Text colour on the background, dark']),
        button: rgb(DARK['Primary colour (buttons), dark']),
      });
      assert.equal(await visible(login, 'header img.logo'), true);
      assert.equal(await login.locator('head link[rel="icon"]').getAttribute('href'), iconUrl, 'the org’s icon');
      await login.getByRole('button', { name: 'Next' }).click();
      await login.locator('.error').first().waitFor();
      const warn = await login
        .locator('.error')
        .first()
        .evaluate((error) => getComputedStyle(error).color);
      assert.equal(warn, rgb(DARK['Warn colour (error messages), dark']), 'an error in the dark warn colour');
      assert.deepEqual(await axeOf(login), [], 'axe on the login page in dark mode');

      await login.emulateMedia({ colorScheme: 'light' });
      const loginLight = await coloursOf(login, 'button[type=submit]');
      assert.deepEqual(loginLight, { background: rgb('#fafafa'), text: rgb('#000000'), button: rgb('#5469d4') });
      assert.equal(await visible(login, 'header img.logo'), false);
      assert.equal(await login.locator('header').innerText(), 'ACME');
      assert.deepEqual(await axeOf(login), [], 'axe on the login page in light mode');
      await login.context().close();
    } finally {
      await context.close().catch(() => undefined);
    }
  });
});
