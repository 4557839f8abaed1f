// Issue 18 in Chromium: the OIDC IdP form's client authentication, allowed tenants and attribute mapping (an error
// next to its field, what was typed kept), a template provider's form (its own fields), and the paged IdP list; each
// page checked with axe-core and screenshot at 1280 and 360 px (test-results/console/, not committed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertIdps } from '../helpers/console-session.ts';
import { asAcmeOwner, checkConsolePage, chromiumMissing, consoleInChromium } from '../helpers/console.ts';

const shared = consoleInChromium();

describe('IdP fields in Chromium', { skip: chromiumMissing }, () => {
  it('ACME’s owner is told what the OIDC form lacks, keeps what was typed, and edits a template provider', async () => {
    await asAcmeOwner(shared, async (page, fixture) => {
      const acme = fixture.orgs.ACME!;
      const base = `${fixture.baseUrl}/ui/console/orgs/${acme}/idps`;
      await page.goto(`${base}/new?type=oidc`);
      await page.getByLabel('Name shown on the login page').fill('Entra common');
      await page.getByLabel('Issuer URL').fill('https://login.microsoftonline.com/common/v2.0');
      await page.getByLabel('Client ID').fill('castellan');
      await page.getByLabel('Client authentication').selectOption('private_key_jwt');
      await page.getByLabel('Tenants allowed to sign in').fill('6c1a2b3d-0000-4000-8000-00000000c0de');
      await page.getByLabel('Email: claim or attribute').fill('upn');
      await page.getByRole('button', { name: 'Add identity provider' }).click();
      await page.locator('#create-privateKeyJwk-error').waitFor();
      assert.equal(await page.getByLabel('Email: claim or attribute').inputValue(), 'upn', 'what was typed is kept');
      assert.equal(await page.getByLabel('Client authentication').inputValue(), 'private_key_jwt');
      await checkConsolePage(page, 'idp-oidc-form-error');

      await insertIdps(fixture, acme, 101, 'Google', 'google');
      await page.goto(base);
      await page
        .getByRole('navigation', { name: 'Identity providers pages' })
        .getByRole('link', { name: 'Next page' })
        .click();
      await page.waitForURL(/offset=100/);
      await checkConsolePage(page, 'idps-second-page');
      await page.getByRole('link', { name: 'Google 100' }).click();
      assert.equal(await page.getByLabel('Client ID').inputValue(), 'castellan');
      assert.equal(await page.getByLabel('Issuer URL').count(), 0, 'a template asks only for its own fields');
      await checkConsolePage(page, 'idp-template-form');
    });
  });
});
