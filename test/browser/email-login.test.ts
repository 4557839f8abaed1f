// Issue 16's "Done when" story (seed 002) in a real browser, keyboard only, on a phone-sized screen, every link and
// code taken from the message the real SMTP server on loopback received: Beta signs up as an organization from the
// login page ("Create an organization") and its owner verifies the address with the emailed code before the login
// finishes; the owner verifies beta.example (a TXT record on the loopback DNS server), invites Bob by email; Bob sets
// his password from the link and logs in as bob@beta.example; Alice forgets her password, asks for a link on the
// password page and sets a new one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { Organization } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import {
  assertAccessibleBasics,
  focusedIdOnceSettled,
  chromiumMissing,
  launchChromium,
  typeLoginName,
} from '../helpers/browser.ts';
import { startTestDns, type TestDns } from '../helpers/dns.ts';
import { loginWithPassword } from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const skip = chromiumMissing;
const PASSWORD = 'Story-Passw0rd!';
const NEW_PASSWORD = 'Fresh-Passw0rd!2';
const BETA_OWNER = 'olga@beta.mail.test';
const MANAGEMENT_SCOPE = 'openid urn:zitadel:iam:org:project:id:zitadel:aud';

let server: TestServer;
let smtp: TestSmtp;
let dns: TestDns;
let browser: Browser;
let admin: string;
let consoleApp: { clientId: string; clientSecret: string };
let redirectUri: string;
const orgs: Record<string, string> = {};
const loginNames: Record<string, string> = {};

before(async () => {
  if (skip) return;
  smtp = await startTestSmtp();
  dns = await startTestDns();
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    EMAIL_OUTBOX_POLL_MS: '50',
    DOMAIN_VERIFICATION_DNS_SERVER: dns.address,
  });
  admin = await bootstrapToken(server);
  const root = (method: string, path: string, body?: unknown) => call(server, admin, method, path, body);
  const settings = { host: '127.0.0.1', port: smtp.port, tls: 'none', senderAddress: 'login@castellan.test' };
  assert.equal((await root('PUT', '/instance/smtp', settings)).status, 200);
  assert.equal((await root('PATCH', '/instance/settings', { features: { orgSignUp: true } })).status, 200);
  orgs.Alpha = (await root('POST', '/orgs', { name: 'Alpha' })).body.id as string;
  const alice = await root('POST', `/orgs/${orgs.Alpha}/users/human`, {
    username: 'alice',
    email: 'alice@alpha.mail.test',
    emailVerified: true,
    givenName: 'Alice',
    familyName: 'Alpha',
    password: PASSWORD,
  });
  assert.equal(alice.status, 201, JSON.stringify(alice.body));
  loginNames.alice = alice.body.loginName as string;
  // A console app in the management project: managers get API tokens through it, and it is the app users log in to.
  const tenant = await server.services.tenants.byId(server.bootstrap.instanceId);
  redirectUri = `${server.url}/console/callback`;
  const app = await root('POST', `/projects/${tenant!.instance.managementProjectId}/apps`, {
    type: 'oidc',
    name: 'Console',
    redirectUris: [redirectUri],
    devMode: true,
  });
  consoleApp = app.body as typeof consoleApp;
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.stop();
  await dns?.stop();
});

/** The link to `path` in the newest message to `to` that has one. */
async function emailedLink(to: string, path: string): Promise<string> {
  const prefix = `${server.url}${path}?`;
  for (let tries = 0; tries < 500; tries++) {
    const mail = smtp.to(to).findLast((message) => (message.parsed.text ?? '').includes(prefix));
    if (mail) return linkIn(mail, prefix);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${path} link was emailed to ${to}`);
}

async function phone(): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  return context.newPage();
}

async function assertPage(page: Page): Promise<void> {
  await assertAccessibleBasics(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, `${page.url()}: no horizontal scrolling at 360 px`);
}

function authorizeUrl(): string {
  const url = new URL('/oauth/v2/authorize', server.url);
  url.search = new URLSearchParams({
    client_id: consoleApp.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid',
  }).toString();
  return url.toString();
}

/** Types the login name (Enter) and arrives on the password page, whose field has the focus. */
const toPasswordPage = (page: Page, loginName: string) => typeLoginName(page, authorizeUrl(), loginName);

async function logsIn(page: Page, loginName: string, password: string): Promise<void> {
  await toPasswordPage(page, loginName);
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  await page.waitForURL((url) => url.toString().startsWith(`${redirectUri}?code=`));
}

/** On a page a link led to: types the new password twice (the first field has the focus) and sends it. */
async function setPasswordFromLink(page: Page, link: string, password: string): Promise<void> {
  await page.goto(link);
  await page.getByLabel('New password', { exact: true }).waitFor();
  await assertPage(page);
  assert.equal(await focusedIdOnceSettled(page, 'password'), 'password');
  await page.keyboard.type(password);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

describe('the SaaS story of seed 002, by email', { skip }, () => {
  it('Beta signs up as an organization; its owner verifies the address with the emailed code and is signed in', async () => {
    const page = await phone();
    await page.goto(authorizeUrl());
    await page.waitForURL(/\/ui\/login\/[^/]+$/);
    await page.getByRole('link', { name: 'Create an organization' }).focus();
    await page.keyboard.press('Enter');
    await page.getByLabel('Organization name').waitFor();
    await assertPage(page);
    assert.equal(await focusedIdOnceSettled(page, 'orgName'), 'orgName');
    for (const value of ['Beta', 'Olga', 'Owner', BETA_OWNER, PASSWORD]) {
      await page.keyboard.type(value);
      await page.keyboard.press('Tab');
    }
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.getByLabel('Code').waitFor();
    await assertPage(page);
    assert.equal(await focusedIdOnceSettled(page, 'code'), 'code');
    const [mail] = await smtp.waitFor(BETA_OWNER);
    await page.keyboard.type(/with this code: ([A-Z0-9]{8})/.exec(mail!.parsed.text ?? '')![1]!);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.toString().startsWith(`${redirectUri}?code=`));
    await page.context().close();
    orgs.Beta = (await Organization.findOne({ name: 'Beta' }, { _id: 1 }).lean())!._id;
  });

  it("Beta's owner verifies beta.example and invites Bob; Bob sets his password and logs in as bob@beta.example", async () => {
    const ownerToken = await loginWithPassword({
      baseUrl: server.url,
      ...consoleApp,
      redirectUri,
      scope: MANAGEMENT_SCOPE,
      loginName: BETA_OWNER,
      password: PASSWORD,
    });
    const owner = (method: string, path: string, body?: unknown) =>
      call(server, ownerToken.access_token, method, path, body);
    assert.equal((await owner('POST', `/orgs/${orgs.Beta}/domains`, { domain: 'beta.example' })).status, 201);
    const validation = await owner('POST', `/orgs/${orgs.Beta}/domains/beta.example/validation`, { type: 'dns' });
    dns.zone.set('_zitadel-challenge.beta.example', { txt: [validation.body.token as string] });
    assert.equal((await owner('POST', `/orgs/${orgs.Beta}/domains/beta.example/verify`)).status, 204);
    const invited = await owner('POST', `/orgs/${orgs.Beta}/users/human`, {
      username: 'bob',
      email: 'bob@beta.example',
      givenName: 'Bob',
      familyName: 'Beta',
      sendInvitation: true,
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));

    const page = await phone();
    await setPasswordFromLink(page, await emailedLink('bob@beta.example', '/ui/login/invite'), NEW_PASSWORD);
    await page.getByText('Your password is set').waitFor();
    await assertPage(page);
    await logsIn(page, 'bob@beta.example', NEW_PASSWORD);
    await page.context().close();
  });

  it('Alice forgets her password: "Forgot password?", the emailed link, a new password, and she logs in', async () => {
    const page = await phone();
    await toPasswordPage(page, loginNames.alice!);
    await assertPage(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Forgot password?');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Send the link' }).waitFor();
    await assertPage(page);
    assert.equal(await focusedIdOnceSettled(page, 'send-link'), 'send-link');
    await page.keyboard.press('Enter');
    await page.getByText('Check your email').waitFor();

    const link = await emailedLink('alice@alpha.mail.test', '/ui/login/password/reset');
    await setPasswordFromLink(page, link, 'too-weak');
    await page.locator('#password-error').waitFor();
    await assertPage(page);
    await setPasswordFromLink(page, link, NEW_PASSWORD);
    await page.getByText('Your password has been changed').waitFor();
    await logsIn(page, loginNames.alice!, NEW_PASSWORD);

    await page.goto(link);
    await page.getByLabel('New password', { exact: true }).waitFor();
    await page.keyboard.type(`${NEW_PASSWORD}x`);
    await page.keyboard.press('Tab');
    await page.keyboard.type(`${NEW_PASSWORD}x`);
    const refused = page.waitForResponse((response) => response.request().method() === 'POST');
    await page.keyboard.press('Enter');
    assert.equal((await refused).status(), 400, 'a used link is refused');
    await page.getByText('This link is invalid').waitFor();
    await assertPage(page);
    await page.context().close();
  });

  it('a new address is verified from the emailed link with the keyboard', async () => {
    const created = await call(server, admin, 'POST', `/orgs/${orgs.Alpha}/users/human`, {
      username: 'vera',
      email: 'vera@alpha.mail.test',
      givenName: 'Vera',
      familyName: 'Alpha',
      password: PASSWORD,
    });
    assert.equal(created.status, 201);
    const page = await phone();
    await page.goto(await emailedLink('vera@alpha.mail.test', '/ui/login/email/verify'));
    await page.getByRole('button', { name: 'Verify' }).waitFor();
    await assertPage(page);
    assert.equal(await focusedIdOnceSettled(page, 'verify'), 'verify');
    await page.keyboard.press('Enter');
    await page.getByText('Your email address is verified').waitFor();
    const user = await call(server, admin, 'GET', `/users/${created.body.id as string}`);
    assert.equal((user.body.human as { emailVerified: boolean }).emailVerified, true, JSON.stringify(user.body));
    await page.context().close();
  });
});
