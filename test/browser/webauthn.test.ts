// Security keys and passkeys in a real browser: Chromium's virtual authenticator (DevTools protocol, WebAuthn domain)
// stands for the key, a CTAP2 platform authenticator that keeps credentials and verifies the user. WebAuthn needs a
// secure context; http://localhost is one, and the test server's issuer is on localhost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { Instance, UserFactor } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { attach, createAction } from '../actions/helpers.ts';
import { assertAccessibleBasics, chromiumMissing, launchChromium } from '../helpers/browser.ts';
import { orgWithUser, PASSWORD, type OrgUser } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const skip = chromiumMissing;

let server: TestServer;
let admin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cdp: CDPSession;
let authenticatorId: string;
let user: OrgUser;

const POLICY = {
  secondFactors: ['totp', 'recovery_codes', 'u2f'],
  passwordlessType: 'allowed',
  multiFactors: ['u2f_with_verification'],
};

before(async () => {
  if (skip) return;
  server = await startTestServer();
  admin = await bootstrapToken(server);
  user = await orgWithUser(server, admin, POLICY);
  browser = await launchChromium();
  // One page for the whole file: the virtual authenticator, with the credential it keeps, belongs to the page.
  context = await browser.newContext();
  page = await context.newPage();
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  }));
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function idTokenClaims(): Promise<Record<string, unknown>> {
  await page.waitForURL(/\/demo\/callback/);
  return JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Record<string, unknown>;
}

async function factorTypes(): Promise<string[]> {
  const listed = await call(server, admin, 'GET', `/users/${user.userId}/mfa`);
  assert.equal(listed.status, 200);
  return (listed.body.factors as Array<{ type: string }>).map((factor) => factor.type);
}

async function signInToAccount(): Promise<void> {
  await context.clearCookies();
  await page.goto(`${server.url}/ui/account`);
  await page.getByLabel('Login name').fill(user.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Password').press('Enter');
}

describe('WebAuthn in a real browser', { skip }, () => {
  it('adds a passkey from the account page, after a fresh password check', async () => {
    await signInToAccount();
    await page.getByRole('button', { name: 'Add a security key or passkey' }).click();
    await page.getByLabel('Name of the key').fill('Laptop passkey');
    await assertAccessibleBasics(page);
    await page.getByRole('button', { name: 'Add the key' }).click();
    await page.getByText(/Laptop passkey, added/).waitFor();
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'the authenticator keeps one credential');
    assert.equal(credentials[0]?.isResidentCredential, true, 'a passkey');
    assert.deepEqual(await factorTypes(), ['webauthn'], 'the manager API lists it');
  });

  it('logs in with password and the key: amr pwd + hwk + mfa', async () => {
    await context.clearCookies();
    await page.goto(`${server.url}/demo/login`);
    await page.getByLabel('Login name').fill(user.username);
    await page.getByLabel('Login name').press('Enter');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Password').press('Enter');
    await page.getByRole('button', { name: 'Use a security key' }).click();
    const claims = await idTokenClaims();
    assert.deepEqual(claims.amr, ['pwd', 'hwk', 'mfa']);
  });

  it('logs in with the passkey alone where the policy allows passwordless: amr user + hwk + mfa', async () => {
    // The login-name page knows no org yet: the instance's policy decides whether it offers passkeys.
    const instanceId = server.bootstrap.instanceId;
    const passwordless = { 'loginPolicy.passwordlessType': 'allowed', 'loginPolicy.multiFactors': POLICY.multiFactors };
    await Instance.updateOne({ _id: instanceId }, { $set: passwordless });
    server.services.tenants.invalidate(instanceId);
    await context.clearCookies();
    await page.goto(`${server.url}/demo/login`);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await assertAccessibleBasics(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const claims = await idTokenClaims();
    assert.deepEqual(claims.amr, ['user', 'hwk', 'mfa']);
    assert.equal(claims.sub, user.userId);
  });

  it("runs the pre-authentication trigger for a passkey login too: the action's denial is shown", async (t) => {
    const base = `/orgs/${user.orgId}`;
    const script = `function noPasskeys(ctx, api) { api.v1.setDenied('No entry for ' + ctx.v1.user.username); }`;
    const action = await createAction(server, admin, base, { name: 'noPasskeys', script });
    await attach(server, admin, base, 'internal-authentication', 'pre-authentication', [action.id]);
    // The later tests log in with the same user: the flow goes whatever this test's outcome.
    t.after(async () => void (await call(server, admin, 'DELETE', `${base}/flows/internal-authentication`)));
    await context.clearCookies();
    await page.goto(`${server.url}/demo/login`);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByText(`No entry for ${user.username}`).waitFor();
    assert.doesNotMatch(page.url(), /\/demo\/callback/);
  });

  it('accepts an assertion once: its replay in the same login is refused (the challenge is used up)', async () => {
    await context.clearCookies();
    await page.goto(`${server.url}/demo/login`);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    let captured: { url: string; body: string } | null = null;
    await page.route('**/passkey', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      captured = { url: route.request().url(), body: route.request().postData() ?? '' };
      await route.abort();
    });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    for (let tries = 0; !captured && tries < 50; tries++) await new Promise((r) => setTimeout(r, 100));
    await page.unroute('**/passkey');
    const sent = captured as { url: string; body: string } | null;
    assert.ok(sent, 'the assertion was sent');
    const post = () =>
      context.request.post(sent.url, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        data: sent.body,
        maxRedirects: 0,
      });
    assert.equal((await post()).status(), 303, 'the first use logs in');
    const replay = await post();
    assert.equal(replay.status(), 401);
    assert.match(await replay.text(), /could not be verified/);
  });

  it('refuses a key whose signature counter does not advance (a cloned key)', async () => {
    const stored = await UserFactor.findOne({ userId: user.userId, type: 'webauthn' }).lean();
    assert.ok((stored?.webauthn?.signCount ?? 0) > 0, 'the virtual key keeps a counter, and it was stored');
    await UserFactor.updateOne({ _id: stored!._id }, { $set: { 'webauthn.signCount': 1_000_000 } });
    await context.clearCookies();
    await page.goto(`${server.url}/demo/login`);
    await page.getByRole('link', { name: 'Sign in with a passkey' }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByText(/could not be verified/).waitFor();
    await UserFactor.updateOne({ _id: stored!._id }, { $set: { 'webauthn.signCount': 0 } });
  });

  it('removes the key from the account page, after signing in with it as the second factor', async () => {
    await signInToAccount();
    await page.getByRole('button', { name: 'Use a security key' }).click();
    await page.getByRole('button', { name: 'Remove Laptop passkey' }).click();
    await page.getByText('You have no second factor.').waitFor();
    assert.deepEqual(await factorTypes(), []);
  });

  it('a manager lists a new key through the API and removes it there', async () => {
    await signInToAccount();
    await page.getByRole('button', { name: 'Add a security key or passkey' }).click();
    await page.getByRole('button', { name: 'Add the key' }).click();
    await page.getByText(/Security key, added/).waitFor();
    const listed = await call(server, admin, 'GET', `/users/${user.userId}/mfa`);
    const [factor] = listed.body.factors as Array<{ id: string; type: string; name: string }>;
    assert.deepEqual([factor?.type, factor?.name], ['webauthn', 'Security key']);
    const removed = await call(server, admin, 'DELETE', `/users/${user.userId}/mfa/${factor!.id}`);
    assert.ok(removed.status >= 200 && removed.status < 300, `removed: ${removed.status}`);
    assert.deepEqual(await factorTypes(), []);
  });
});
