// Issue 18's leftovers in Chromium: ACME's owner gets a domain's DNS token and saves the login policy, the API's 400
// shown next to its field; every page state checked with axe-core (test/helpers/console.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Organization } from '../../src/store/models/index.ts';
import { asAcmeOwner, checkConsolePage, chromiumMissing, consoleInChromium } from '../helpers/console.ts';

const shared = consoleInChromium();

describe('an org’s domains and login policy in Chromium', { skip: chromiumMissing }, () => {
  it('the owner adds a domain, reads where its token goes, and saves the policy after a refused value', async () => {
    await asAcmeOwner(shared, async (page, fixture) => {
      const acme = fixture.orgs.ACME!;
      await page.goto(`${fixture.baseUrl}/ui/console/orgs/${acme}`);
      const sections = page.getByRole('navigation', { name: 'Sections' });
      await sections.getByRole('link', { name: 'Domains', exact: true }).click();
      await checkConsolePage(page, 'org-domains');
      await page.getByLabel('Domain', { exact: true }).fill('time.acme.test');
      await page.getByRole('button', { name: 'Add domain' }).click();
      await page.getByLabel('Method for time.acme.test').selectOption('dns');
      await page.getByRole('button', { name: 'Get verification token' }).click();
      await page.getByRole('heading', { name: 'Verify time.acme.test' }).waitFor();
      assert.match(await page.locator('main').innerText(), /_zitadel-challenge\.time\.acme\.test/);
      await checkConsolePage(page, 'org-domain-token');

      await sections.getByRole('link', { name: 'Login policy', exact: true }).click();
      await checkConsolePage(page, 'org-login-policy');
      await page.getByLabel('Minimum length').fill('0');
      await page.getByRole('button', { name: 'Save login policy' }).click();
      await page.locator('#save-minLength-error').waitFor();
      assert.equal(await page.getByLabel('Minimum length').getAttribute('aria-invalid'), 'true');
      await checkConsolePage(page, 'org-login-policy-error');
      await page.getByLabel('Minimum length').fill('12');
      await page.getByRole('button', { name: 'Save login policy' }).click();
      await page.getByRole('button', { name: 'Reset to the instance’s policy' }).waitFor();
      const stored = (await Organization.findById(acme).lean())!.loginPolicy as {
        passwordComplexity?: { minLength?: number };
      };
      assert.equal(stored.passwordComplexity?.minLength, 12);
    });
  });
});
