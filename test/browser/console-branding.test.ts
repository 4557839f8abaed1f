// The branding editor's preview in Chromium: a form post renders the login page with the unsaved colours in a
// sandboxed srcdoc frame, styled under the console page's CSP (no script anywhere); axe-core checks the page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkConsolePage, chromiumMissing, consoleInChromium, asAcmeOwner } from '../helpers/console.ts';

const shared = consoleInChromium();

describe('the branding preview in Chromium', { skip: chromiumMissing }, () => {
  it('shows the login page in the typed colours before anything is saved', async () => {
    await asAcmeOwner(shared, async (page, fixture) => {
      const acme = fixture.orgs.ACME!;
      const refusedByCsp: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) refusedByCsp.push(message.text());
      });
      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${acme}`);
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Branding' }).click();
      await page.getByLabel('Display name').fill('ACME Time');
      await page.getByLabel('Primary colour (buttons)', { exact: true }).fill('#aa3300');
      await page.getByRole('button', { name: 'Preview' }).click();
      await page.getByText('The preview shows what you typed').waitFor();

      const preview = page.frameLocator('iframe[title="Preview of the login page"]');
      await preview.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(await preview.locator('header').innerText(), 'ACME Time');
      const buttonColour = await preview
        .getByRole('button', { name: 'Next' })
        .evaluate((button) => getComputedStyle(button).backgroundColor);
      assert.equal(buttonColour, 'rgb(170, 51, 0)', 'the preview’s style applies under the inherited CSP');
      assert.equal(
        await page.getByLabel('Primary colour (buttons)', { exact: true }).inputValue(),
        '#aa3300',
        'the typed value stays',
      );
      assert.deepEqual(refusedByCsp, [], 'nothing refused by the Content-Security-Policy');
      // axe cannot run in a frame sandboxed without scripts: the login page it shows is checked by the login's own
      // browser tests, and the colours' contrast by the editor's warnings (domain/rules/branding.ts).
      await checkConsolePage(page, 'org-branding-preview', ['iframe.preview']);
    });
  });
});
