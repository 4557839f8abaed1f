// Issue 18 in Chromium: the users page's search (operated by keyboard: the controls in tab order, Enter submits), a
// person's postal address edited in the profile tab, and the SAML IdP form with an error next to its field; each page
// checked with axe-core and screenshot at 1280 and 360 px (test-results/console/, not committed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { User } from '../../src/store/models/index.ts';
import { asAcmeOwner, checkConsolePage, chromiumMissing, consoleInChromium } from '../helpers/console.ts';

const shared = consoleInChromium();

describe('search, address and SAML fields in Chromium', { skip: chromiumMissing }, () => {
  it('ACME’s owner finds a user by keyboard, edits the address, and is told what the SAML form lacks', async () => {
    await asAcmeOwner(shared, async (page, fixture) => {
      const acme = fixture.orgs.ACME!;
      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${acme}/users`);
      const search = page.getByRole('search', { name: 'Search users' });
      await search.getByLabel('Search in').focus();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'search-method');
      await page.keyboard.press('Tab');
      await page.keyboard.type('ada');
      await page.keyboard.press('Enter');
      await page.waitForURL(/value=ada/);
      assert.equal(await page.getByRole('region', { name: 'Users' }).getByRole('row').count(), 2, 'header and Ada');
      await checkConsolePage(page, 'users-search');

      await page.getByRole('link', { name: 'Ada Acme' }).click();
      await page.getByRole('navigation', { name: 'User sections' }).getByRole('link', { name: 'Profile' }).click();
      const address = page.getByRole('group', { name: /Postal address/ });
      await address.getByLabel('Street address').fill('Hauptgasse 5');
      await address.getByLabel('Postal code').fill('9'.repeat(41));
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.locator('#save-postalCode-error').waitFor();
      assert.equal(await address.getByLabel('Street address').inputValue(), 'Hauptgasse 5', 'what was typed is kept');
      await checkConsolePage(page, 'user-profile-address-error');
      await address.getByLabel('Postal code').fill('3000');
      await address.getByLabel('Locality (city)').fill('Bern');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByRole('status').filter({ hasText: 'Your changes are saved.' }).waitFor();
      const ada = (await User.findOne({ instanceId: fixture.instanceId, username: 'acme-owner' }).lean())!;
      assert.deepEqual(
        { ...ada.human!.address },
        { streetAddress: 'Hauptgasse 5', postalCode: '3000', locality: 'Bern' },
      );
      await checkConsolePage(page, 'user-profile-address');

      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${acme}/idps/new?type=saml`);
      await page.getByLabel('Name shown on the login page').fill('Partner SAML');
      await page.getByLabel('Metadata URL').fill('https://idp.example.test/metadata');
      await page.getByLabel('NameID format').selectOption({ label: 'transient' });
      await page.getByLabel('Email attributes').fill('mail\nemailAddress');
      await page.getByRole('button', { name: 'Add identity provider' }).click();
      await page.locator('#create-transientMappingAttribute-error').waitFor();
      assert.equal(await page.getByLabel('Email attributes').inputValue(), 'mail\nemailAddress');
      await checkConsolePage(page, 'idp-saml-form');
    });
  });
});
