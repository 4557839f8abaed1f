// Issue 18: the user sub-pages, a key file shown once, a success message and roles changed in place, in Chromium,
// each page checked with axe-core and screenshot at 1280 and 360 px (test-results/console/, not committed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asAcmeOwner, checkConsolePage, chromiumMissing, consoleInChromium } from '../helpers/console.ts';

const shared = consoleInChromium();

describe('a user’s pages in Chromium', { skip: chromiumMissing }, () => {
  it('ACME’s owner creates a machine user, takes its key file once, and changes a manager’s roles', async () => {
    await asAcmeOwner(shared, async (page, fixture) => {
      const userSections = page.getByRole('navigation', { name: 'User sections' });
      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${fixture.orgs.ACME}/users`);
      const create = page.locator('form', { has: page.getByRole('button', { name: 'Create machine user' }) });
      await create.getByLabel('Username').fill('exporter');
      await create.getByLabel('Name', { exact: true }).fill('Exporter');
      await create.getByRole('button', { name: 'Create machine user' }).click();
      await page.getByRole('status').filter({ hasText: 'Created.' }).waitFor();
      await checkConsolePage(page, 'user-overview');

      await userSections.getByRole('link', { name: 'Credentials' }).click();
      await checkConsolePage(page, 'user-credentials');
      await page.getByRole('button', { name: 'Add key' }).click();
      const file = JSON.parse((await page.locator('#key-file').textContent())!) as { type: string; key: string };
      assert.equal(file.type, 'serviceaccount');
      await checkConsolePage(page, 'machine-key');
      await page.getByRole('link', { name: 'Continue' }).click();
      await page
        .getByRole('cell', { name: /^[0-9a-f-]+$/ })
        .first()
        .waitFor();
      assert.equal(await page.getByText('BEGIN RSA PRIVATE KEY').count(), 0, 'the private key is not shown again');

      await userSections.getByRole('link', { name: 'Profile' }).click();
      await page.getByLabel('Description (optional)').fill('Exports the hours every night');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByRole('status').filter({ hasText: 'Your changes are saved.' }).waitFor();
      await checkConsolePage(page, 'user-profile');
      await userSections.getByRole('link', { name: 'Metadata' }).click();
      await checkConsolePage(page, 'user-metadata');

      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${fixture.orgs.ACME}/users`);
      await page.getByRole('link', { name: 'Ada Acme' }).click();
      await userSections.getByRole('link', { name: 'Second factors' }).click();
      await checkConsolePage(page, 'user-factors');
      await userSections.getByRole('link', { name: 'Sessions' }).click();
      await page.getByRole('button', { name: 'End session' }).first().waitFor();
      await checkConsolePage(page, 'user-sessions');

      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${fixture.orgs.ACME}/managers`);
      await page.getByText('Change roles').first().click();
      await page
        .getByRole('group', { name: /^Roles of / })
        .first()
        .waitFor();
      await checkConsolePage(page, 'managers-change-roles');
    });
  });
});
