// Driving the manager console in headless Chromium: sign in through the real login, check every page with axe-core
// and the accessibility basics, and write screenshots at 1280 and 360 px to test-results/console/ (not committed).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_CLIENT_ID, DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { assertAccessibleBasics, chromiumMissing, launchChromium } from './browser.ts';
import { startOidcFixture, type OidcFixture } from './oidc.ts';

// Most console tests take both from here with the console's helpers.
export { chromiumMissing, launchChromium };

const SCREENSHOTS = path.join(process.cwd(), 'test-results', 'console');

/** A test file's fixture and Chromium: started before its tests (unless Chromium is missing), stopped after them. */
export function consoleInChromium(): { fixture: OidcFixture; browser: Browser } {
  const shared = {} as { fixture: OidcFixture; browser: Browser };
  before(async () => {
    if (chromiumMissing) return;
    shared.fixture = await startOidcFixture();
    shared.browser = await launchChromium();
  });
  after(async () => {
    await shared.browser?.close();
    await shared.fixture?.server.stop();
  });
  return shared;
}

/**
 * A fresh browser (own cookies) signed in to the console through the login UI. JavaScript stays on because axe-core
 * runs in the page; the console's pages carry no script at all (checkConsolePage), so they work with it off.
 */
export async function signedInConsole(
  browser: Browser,
  baseUrl: string,
  loginName: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/ui/console`);
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Login name').fill(loginName);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/ui/console`);
  return { context, page };
}

/** ACME's owner signed in to the console in a fresh context of the file's Chromium, for `use`; closed after it. */
export async function asAcmeOwner(
  shared: { fixture: OidcFixture; browser: Browser },
  use: (page: Page, fixture: OidcFixture) => Promise<void>,
): Promise<void> {
  const { fixture, browser } = shared;
  const { context, page } = await signedInConsole(browser, fixture.baseUrl, 'acme-owner@acme.localhost', DEMO_PASSWORD);
  try {
    await use(page, fixture);
  } finally {
    await context.close();
  }
}

/** axe-core's serious and critical violations of the page (WCAG 2.x A and AA rules). */
interface AxeViolation {
  id: string;
  impact?: string | null;
  nodes: Array<{ target: unknown[] }>;
}

async function seriousViolations(page: Page, exclude: string[]): Promise<string[]> {
  const builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']);
  for (const selector of exclude) builder.exclude(selector);
  const results: { violations: AxeViolation[] } = await builder.analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

const checked = new Set<string>();

/**
 * The page meets the basics and axe reports nothing serious; once per name, its screenshots at 1280 and 360 px (where
 * nothing may scroll sideways but a table's own region). `exclude`: selectors axe leaves out, such as a frame
 * sandboxed without scripts, which axe cannot enter (it waits on it forever).
 */
export async function checkConsolePage(page: Page, name: string, exclude: string[] = []): Promise<void> {
  await assertAccessibleBasics(page);
  assert.equal(await page.locator('script').count(), 0, `${page.url()}: no script, so it works with JavaScript off`);
  assert.deepEqual(await seriousViolations(page, exclude), [], `${page.url()}: axe serious or critical violations`);
  if (checked.has(name)) return;
  checked.add(name);
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, `${page.url()}: no horizontal scrolling at 360 px`);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-360.png`), fullPage: true });
  await page.setViewportSize(size);
}

/** An authorization request of the demo app scoped to `orgId` (its login page wears that org's branding). */
export function orgScopedLoginUrl(baseUrl: string, orgId: string, state: string): string {
  const authorize = new URL(`${baseUrl}/oauth/v2/authorize`);
  authorize.search = new URLSearchParams({
    client_id: DEMO_CLIENT_ID,
    redirect_uri: `${baseUrl}/demo/callback`,
    response_type: 'code',
    scope: `openid urn:zitadel:iam:org:id:${orgId}`,
    state,
    code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return authorize.toString();
}
