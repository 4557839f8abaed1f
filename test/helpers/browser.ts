// Headless Chromium for the tests of pages (test/browser/*.test.ts), and what every page of the login UI must meet.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/ensure-chromium.ts';

/** Why a Chromium test is skipped (it is not installed), or false. */
export const chromiumMissing = existsSync(CHROMIUM_PATH) ? false : `${CHROMIUM_PATH} is not installed`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Accessibility basics every page must meet: a language, a heading, a label for every input, alt on every image. */
export async function assertAccessibleBasics(page: Page): Promise<void> {
  const report = await page.evaluate(() => {
    const inputs = Array.from(document.querySelectorAll('input, select, textarea')).filter(
      (element) => (element as HTMLInputElement).type !== 'hidden',
    );
    const unlabelled = inputs
      .filter((element) => {
        const labelled =
          (element as HTMLInputElement).labels?.length ||
          element.getAttribute('aria-label') ||
          element.getAttribute('aria-labelledby');
        return !labelled;
      })
      .map((element) => element.outerHTML);
    const describedBy = inputs
      .flatMap((element) => (element.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean))
      .filter((id) => !document.getElementById(id));
    return {
      lang: document.documentElement.lang,
      headings: document.querySelectorAll('h1').length,
      unlabelled,
      imagesWithoutAlt: Array.from(document.querySelectorAll('img'))
        .filter((img) => !img.hasAttribute('alt'))
        .map((img) => img.outerHTML),
      danglingDescribedBy: describedBy,
      viewport: document.querySelector('meta[name=viewport]')?.getAttribute('content') ?? null,
    };
  });
  assert.equal(report.lang, 'en', `${page.url()}: html lang`);
  assert.equal(report.headings, 1, `${page.url()}: one h1`);
  assert.deepEqual(report.unlabelled, [], `${page.url()}: inputs without a label`);
  assert.deepEqual(report.imagesWithoutAlt, [], `${page.url()}: images without alt`);
  assert.deepEqual(report.danglingDescribedBy, [], `${page.url()}: aria-describedby pointing nowhere`);
  assert.match(report.viewport ?? '', /width=device-width/, `${page.url()}: responsive viewport`);
}

/** The id of the focused element once focus settles (Chromium applies `autofocus` after the load event). */
export async function focusedIdOnceSettled(page: Page, expected: string): Promise<string | undefined> {
  let id: string | undefined;
  for (let tries = 0; tries < 50; tries++) {
    id = await page.evaluate(() => document.activeElement?.id);
    if (id === expected) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return id;
}

/**
 * From `startUrl` (an authorization request) to the password page, typed with the keyboard: each field has the focus
 * on arrival, Enter submits.
 */
export async function typeLoginName(page: Page, startUrl: string, loginName: string): Promise<void> {
  await page.goto(startUrl);
  await page.waitForURL(/\/ui\/login\/[^/]+$/);
  assert.equal(await focusedIdOnceSettled(page, 'loginName'), 'loginName');
  await page.keyboard.type(loginName);
  await page.keyboard.press('Enter');
  await page.getByLabel('Password', { exact: true }).waitFor();
  assert.equal(await focusedIdOnceSettled(page, 'password'), 'password');
}
