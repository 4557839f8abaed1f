// Issue 18: seed 002's scenario built entirely in the console by the orgs' own managers, in Chromium, every page
// checked with axe-core and screenshot at 1280 and 360 px; then Alice and Bob log in to the app the console created
// and their ID tokens carry the roles Beta gave them.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/ensure-chromium.ts';
import { checkConsolePage, launchChromium, signedInConsole } from '../helpers/console.ts';
import { loginWithPassword } from '../helpers/login.ts';
import { RP_REDIRECT_URI } from '../helpers/oidc.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const skip = existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is not installed`;
const PASSWORD = 'Console-Passw0rd!';
const ROLES_CLAIM = 'urn:zitadel:iam:org:project:roles';

let server: TestServer;
let browser: Browser;
const orgIds: Record<string, string> = {};
let app: { clientId: string; clientSecret: string };

before(async () => {
  if (skip) return;
  server = await startTestServer({ CASTELLAN_DEMO: 'false', CASTELLAN_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Runs `steps` as the manager, in a browser of their own. */
async function as(loginName: string, steps: (page: Page) => Promise<void>): Promise<void> {
  const { context, page } = await signedInConsole(browser, server.url, loginName, PASSWORD);
  try {
    await steps(page);
  } finally {
    await context.close();
  }
}

async function openTab(page: Page, orgId: string, tab: string, screenshot: string): Promise<void> {
  await page.goto(`${server.url}/ui/console/orgs/${orgId}`);
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: tab, exact: true }).click();
  await checkConsolePage(page, screenshot);
}

async function createPerson(page: Page, username: string, givenName: string, familyName: string, domain: string) {
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Create person' }) });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Given name').fill(givenName);
  await form.getByLabel('Family name').fill(familyName);
  await form.getByLabel('Email', { exact: true }).fill(`${username}@${domain}`);
  await form.getByLabel('The email address is verified').check();
  await form.getByLabel('Initial password (optional)').fill(PASSWORD);
  await form.getByRole('button', { name: 'Create person' }).click();
  await page.getByRole('heading', { name: `${givenName} ${familyName}`, level: 1 }).waitFor();
}

async function addManager(page: Page, loginName: string, role: string): Promise<void> {
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Add manager' }) });
  await form.getByLabel('Login name of the user').fill(loginName);
  await form.getByRole('checkbox', { name: new RegExp(`^${role}:`) }).check();
  await form.getByRole('button', { name: 'Add manager' }).click();
  await page.getByRole('cell', { name: role, exact: true }).waitFor();
}

describe('seed 002 built in the console by the orgs’ own managers', { skip }, () => {
  it('the IAM owner creates ACME, Alpha and Beta, and an owner for each', async () => {
    await as('admin@castellan.localhost', async (page) => {
      await checkConsolePage(page, 'home');
      for (const [name, owner] of [
        ['ACME', 'acme-owner'],
        ['Alpha', 'alpha-owner'],
        ['Beta', 'beta-owner'],
      ] as const) {
        await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Organizations' }).click();
        await checkConsolePage(page, 'orgs');
        await page.getByLabel('Name', { exact: true }).fill(name);
        await page.getByRole('button', { name: 'Create organization' }).click();
        await page.getByRole('heading', { name, level: 1 }).waitFor();
        await checkConsolePage(page, 'org');
        orgIds[name] = page.url().split('/').at(-1)!;
        const domain = `${name.toLowerCase()}.localhost`;
        await openTab(page, orgIds[name], 'Users', 'users');
        await createPerson(page, owner, name, 'Owner', domain);
        await checkConsolePage(page, 'user');
        await openTab(page, orgIds[name], 'Managers', 'org-managers');
        await addManager(page, `${owner}@${domain}`, 'ORG_OWNER');
      }
    });
  });

  it('ACME’s owner creates the project, its roles and web app, and grants it to Alpha and Beta', async () => {
    await as('acme-owner@acme.localhost', async (page) => {
      await openTab(page, orgIds.ACME!, 'Projects', 'projects');
      await page.getByLabel('Name', { exact: true }).fill('Time Tracking');
      await page.getByLabel('Assert roles on authentication (the roles claim without asking for it)').check();
      await page.getByRole('button', { name: 'Create project' }).click();
      await page.getByRole('heading', { name: 'Time Tracking', level: 1 }).waitFor();
      for (const [key, displayName] of [
        ['accountant', 'Accountant'],
        ['developer', 'Developer'],
      ]) {
        await page.getByLabel('Role key').fill(key!);
        await page.getByLabel('Display name').fill(displayName!);
        await page.getByRole('button', { name: 'Add role' }).click();
        await page.getByRole('cell', { name: key!, exact: true }).waitFor();
      }
      await checkConsolePage(page, 'project');
      await page.getByLabel('Application name').fill('Time Tracking Web');
      await page.getByLabel('Redirect URIs', { exact: true }).fill(RP_REDIRECT_URI);
      await page.getByLabel('Roles in the ID token').check();
      await page.getByRole('button', { name: 'Create application' }).click();
      await page.getByRole('heading', { name: 'Application created' }).waitFor();
      await checkConsolePage(page, 'app-secret');
      app = {
        clientId: (await page.locator('dl.facts code').textContent())!.trim(),
        clientSecret: (await page.locator('#secret').textContent())!.trim(),
      };
      await page.getByRole('link', { name: 'Continue' }).click();
      await checkConsolePage(page, 'app');
      await page.getByRole('link', { name: 'Back to Time Tracking' }).click();
      for (const [domain, roles] of [
        ['alpha.localhost', ['accountant']],
        ['beta.localhost', ['accountant', 'developer']],
      ] as const) {
        const form = page.locator('form', { has: page.getByRole('button', { name: 'Grant project' }) });
        await form.getByLabel('Primary domain of the organization').fill(domain);
        for (const role of roles) await form.getByRole('checkbox', { name: new RegExp(`\\(${role}\\)`) }).check();
        await form.getByRole('button', { name: 'Grant project' }).click();
        await page.getByRole('heading', { name: 'Time Tracking', level: 1 }).waitFor();
      }
      assert.equal(await page.getByRole('link', { name: orgIds.Beta! }).count(), 1, 'Beta is named by id only');
      await openTab(page, orgIds.ACME!, 'Audit trail', 'audit');
      await page.getByRole('cell', { name: 'project.grant.added' }).first().waitFor();
    });
  });

  it('Alpha’s owner creates Alice; Beta’s owner creates Bob and authorizes Alice by her exact login name', async () => {
    await as('alpha-owner@alpha.localhost', async (page) => {
      await openTab(page, orgIds.Alpha!, 'Users', 'users');
      await createPerson(page, 'alice', 'Alice', 'Alpha', 'alpha.localhost');
    });
    await as('beta-owner@beta.localhost', async (page) => {
      await openTab(page, orgIds.Beta!, 'Users', 'users');
      await createPerson(page, 'bob', 'Bob', 'Beta', 'beta.localhost');
      await openTab(page, orgIds.Beta!, 'Granted projects', 'granted-projects');
      await page.getByRole('cell', { name: 'Accountant (accountant), Developer (developer)' }).waitFor();
      await openTab(page, orgIds.Beta!, 'Authorizations', 'authorizations');
      for (const [loginName, role] of [
        ['alice@alpha.localhost', 'accountant'],
        ['bob@beta.localhost', 'developer'],
      ] as const) {
        await page.getByLabel('Login name of the user').fill(loginName);
        await page.getByRole('checkbox', { name: new RegExp(`\\(${role}\\)`) }).check();
        await page.getByRole('button', { name: 'Authorize user' }).click();
        await page.getByRole('cell', { name: role, exact: true }).waitFor();
      }
      // A login name that is not exact finds nobody, and says so next to the field; what was typed stays.
      await page.getByLabel('Login name of the user').fill('alice');
      await page.getByRole('button', { name: 'Authorize user' }).click();
      await page.locator('#create-loginName-error').waitFor();
      assert.equal(await page.getByLabel('Login name of the user').inputValue(), 'alice');
      await checkConsolePage(page, 'authorizations-error');
    });
  });

  it('Alice and Bob log in to the app and carry the roles Beta gave them', async () => {
    const claimsOf = async (loginName: string) => {
      const tokens = await loginWithPassword({
        baseUrl: server.url,
        ...app,
        redirectUri: RP_REDIRECT_URI,
        scope: 'openid',
        loginName,
        password: PASSWORD,
      });
      return tokens.claims()![ROLES_CLAIM];
    };
    assert.deepEqual(await claimsOf('alice@alpha.localhost'), { accountant: { [orgIds.Beta!]: 'beta.localhost' } });
    assert.deepEqual(await claimsOf('bob@beta.localhost'), { developer: { [orgIds.Beta!]: 'beta.localhost' } });
  });
});
