// The login UI's email flows over HTTP, as a browser without JavaScript drives them: "Forgot password?" on the
// password page (offered only with email delivery and without hidePasswordReset), the same answer for a known and an
// unknown login name, the pages the emailed links lead to (new password, invitation, email verification), and every
// bad link answered with a readable page (4xx) and no change to the user.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { INVALID_LINK_MESSAGE } from '../../src/http/login/email-link-pages.ts';
import { parseEmailLink } from '../../src/domain/rules/email-links.ts';
import { User } from '../../src/store/models/index.ts';
import type { UserDocument } from '../../src/store/models/user.ts';
import { sessionIdsOfAccount } from '../../src/store/queries/oidc-sessions.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { CookieJar, openPage, pageText, redeemCode, startLogin, submitForm, type Browsing } from '../helpers/login.ts';
import { demoLogin, orgWithUser, PASSWORD, passwordStep, submitFormTo, type OrgUser } from '../helpers/mfa.ts';
import { withRateLimits } from '../helpers/rate-limits.ts';
import { useTestSmtp } from '../helpers/mailing-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const NEW_PASSWORD = 'Brand-New-Passw0rd!';
let server: TestServer;
let admin: string;
let smtp: TestSmtp;

before(async () => {
  smtp = await startTestSmtp();
  server = await startTestServer({ EMAIL_OUTBOX_POLL_MS: '50' });
  admin = await bootstrapToken(server);
});
after(async () => {
  await server.stop();
  await smtp.stop();
});

const setSmtp = () => useTestSmtp(server, admin, smtp);

const emailOf = (user: OrgUser) => `${user.username}@example.com`;
const stateOf = async (id: string) => {
  const user = await User.findById(id).lean<UserDocument>();
  const { email, emailVerified, pendingEmail, passwordHash } = user!.human!;
  return { email, emailVerified, pendingEmail, passwordHash, state: user!.state };
};

/** The link to `path` in the newest message to `to` that has one (waits for it). */
async function linkTo(to: string, path: string): Promise<string> {
  const prefix = `${server.url}${path}?`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const mail = smtp.to(to).findLast((message) => (message.parsed.text ?? '').includes(prefix));
    if (mail) return linkIn(mail, prefix);
    if (Date.now() > deadline) throw new Error(`no ${path} link to ${to}`);
    await sleep(20);
  }
}
const RESET = '/ui/login/password/reset';

const forgotLink = (html: string) => /href="(\/ui\/login\/[^"]+\/password\/forgot)"/.exec(html)?.[1] ?? null;

/** Login name typed, on the password page (with the user's password not typed yet); `orgId` as org scope. */
async function onPasswordPage(username: string, orgId: string | null = null) {
  const scope = orgId ? `openid urn:zitadel:iam:org:id:${orgId}` : 'openid';
  const flow = await startLogin(demoLogin(server, { scope }));
  return submitForm(flow, { loginName: username });
}

async function requestReset(username: string, orgId: string | null = null) {
  const flow = await onPasswordPage(username, orgId);
  const link = forgotLink(flow.page!.html);
  assert.ok(link, 'the password page offers "Forgot password?"');
  const request = await openPage(flow.jar, `${server.url}${link}`);
  assert.equal(request.page?.status, 200);
  return submitForm(request, {});
}

async function loginSucceeds(username: string, password: string, jar = new CookieJar()): Promise<boolean> {
  let flow = await startLogin(demoLogin(server, { jar }));
  if (flow.page) flow = await submitForm(flow, { loginName: username });
  if (flow.page) flow = await submitForm(flow, { password });
  if (!flow.callbackUrl) return false;
  await redeemCode(flow);
  return true;
}

async function setPassword(link: string, password: string, confirmation = password): Promise<Browsing> {
  const page = await openPage(new CookieJar(), link);
  assert.equal(page.page?.status, 200, page.page?.html);
  return submitForm(page, { password, passwordConfirmation: confirmation });
}

function assertInvalidLinkPage(page: Browsing['page'], status = 400): void {
  assert.equal(page?.status, status, page?.html);
  if (status === 400) assert.match(pageText(page!.html), new RegExp(INVALID_LINK_MESSAGE.slice(0, 40)));
}

describe('"Forgot password?" on the password page', () => {
  it('is offered only when the instance can send email and the policy does not hide it', async () => {
    const user = await orgWithUser(server, admin, {});
    const hidden = await orgWithUser(server, admin, { hidePasswordReset: true });
    const withoutSmtp = await onPasswordPage(user.username);
    assert.equal(forgotLink(withoutSmtp.page!.html), null, 'no SMTP settings: no link');
    const uid = /action="\/ui\/login\/([^/"]+)\/password"/.exec(withoutSmtp.page!.html)![1];
    const forgot = await openPage(withoutSmtp.jar, `${server.url}/ui/login/${uid}/password/forgot`);
    assert.match(forgot.page!.url, /\/password$/, 'the request page sends back to the password page');
    await setSmtp();
    assert.ok(forgotLink((await onPasswordPage(user.username)).page!.html), 'default policy: offered (ZITADEL)');
    assert.equal(forgotLink((await onPasswordPage(hidden.username)).page!.html), null, 'hidePasswordReset: hidden');
    const policy = (await call(server, admin, 'GET', `/orgs/${user.orgId}/login-policy`)).body;
    assert.equal((policy.effective as { hidePasswordReset: boolean }).hidePasswordReset, false);
    // Whether the instance can send email is cached (store/queries/smtp-settings.ts): removing the settings is seen.
    assert.equal((await call(server, admin, 'DELETE', '/instance/smtp')).status, 204);
    assert.equal(forgotLink((await onPasswordPage(user.username)).page!.html), null, 'SMTP settings removed: no link');
  });

  it('answers a known and an unknown login name with the same page; only the known one gets an email', async () => {
    await setSmtp();
    const known = await orgWithUser(server, admin, { ignoreUnknownUsernames: true });
    const knownAnswer = await requestReset(known.username, known.orgId);
    const unknownAnswer = await requestReset(`nobody-${known.username}`, known.orgId);
    assert.equal(knownAnswer.page?.status, 200);
    assert.equal(unknownAnswer.page?.status, knownAnswer.page?.status);
    const text = (flow: Browsing) => pageText(flow.page!.html).replace(/\S+@\S+|mfa-\w+/g, '');
    assert.equal(text(unknownAnswer), text(knownAnswer));
    assert.match(text(knownAnswer), /Check your email/);
    assert.ok(await linkTo(emailOf(known), RESET));
  });

  it('takes about as long for a known as for an unknown login name (the link is sent in the background)', async (t) => {
    await setSmtp();
    // 30 requests from one address: more than the default per-IP and per-name limits.
    const unlimited = { max: 0, windowSeconds: 60 };
    const rules = { passwordResetRequestsPerIp: unlimited, passwordResetRequestsPerLoginName: unlimited };
    await withRateLimits(server.bootstrap.instanceId, rules, () => resetAnswerTimes(t));
  });
});

/** Known and unknown login names get their answer in about the same time. */
async function resetAnswerTimes(t: TestContext): Promise<void> {
  const known = await orgWithUser(server, admin, { ignoreUnknownUsernames: true });
  const answerTime = async (username: string) => {
    const flow = await onPasswordPage(username, known.orgId);
    const request = await openPage(flow.jar, `${server.url}${forgotLink(flow.page!.html)}`);
    const started = performance.now();
    await submitForm(request, {});
    return performance.now() - started;
  };
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1]!;
  const times = { known: [] as number[], unknown: [] as number[] };
  for (let round = 0; round < 15; round++) {
    times.known.push(await answerTime(known.username));
    times.unknown.push(await answerTime(`nobody-${round}`));
  }
  const [knownMs, unknownMs] = [median(times.known), median(times.unknown)];
  t.diagnostic(`median answer: known ${knownMs.toFixed(1)} ms, unknown ${unknownMs.toFixed(1)} ms`);
  // Loose: the test runs beside others; a difference that tells names apart would be a user read or an email's work.
  const tolerance = Math.max(25, Math.max(knownMs, unknownMs) / 2);
  assert.ok(Math.abs(knownMs - unknownMs) < tolerance, `known ${knownMs} ms, unknown ${unknownMs} ms`);
}

describe('the password reset link', () => {
  it('sets a new password that meets the policy, ends every session of the user, and works once', async () => {
    await setSmtp();
    const user = await orgWithUser(server, admin, { passwordComplexity: { minLength: 12 } });
    const signedIn = new CookieJar();
    assert.ok(await loginSucceeds(user.username, PASSWORD, signedIn));
    assert.equal((await sessionIdsOfAccount(server.bootstrap.instanceId, user.userId)).length, 1);
    await requestReset(user.username);
    const link = await linkTo(emailOf(user), RESET);
    assert.equal(new URL(link).origin, server.url, 'the link comes from the issuer');

    const before = await stateOf(user.userId);
    const weak = await setPassword(link, 'Sh0rt!x');
    assert.equal(weak.page?.status, 400);
    assert.match(pageText(weak.page!.html), /at least 12 characters/);
    const mismatch = await setPassword(link, NEW_PASSWORD, `${NEW_PASSWORD}x`);
    assert.equal(mismatch.page?.status, 400);
    assert.deepEqual(await stateOf(user.userId), before, 'refused passwords change nothing');

    const done = await setPassword(link, NEW_PASSWORD);
    assert.equal(done.page?.status, 200, done.page?.html);
    assert.match(pageText(done.page!.html), /password has been changed/);
    assert.deepEqual(await sessionIdsOfAccount(server.bootstrap.instanceId, user.userId), []);
    const reuse = await openPage(signedIn, `${server.url}/demo/login`);
    assert.match(reuse.page?.url ?? '', /\/ui\/login\//, 'the old browser session must sign in again');
    assert.equal(await loginSucceeds(user.username, PASSWORD), false);
    assert.ok(await loginSucceeds(user.username, NEW_PASSWORD));

    const after = await stateOf(user.userId);
    assertInvalidLinkPage((await setPassword(link, `${NEW_PASSWORD}2`)).page);
    assert.deepEqual(await stateOf(user.userId), after, 'a used link changes nothing');
  });

  it("refuses a wrong code, an unknown user and another purpose's code with the same page and no change", async () => {
    await setSmtp();
    const user = await orgWithUser(server, admin, {});
    const other = await orgWithUser(server, admin, {});
    await requestReset(user.username);
    const link = new URL(await linkTo(emailOf(user), RESET));
    const before = await stateOf(user.userId);
    const wrong = new URL(link);
    wrong.searchParams.set('code', `${link.searchParams.get('code')}x`);
    assertInvalidLinkPage((await setPassword(wrong.toString(), NEW_PASSWORD)).page);
    const nobody = new URL(link);
    nobody.searchParams.set('userId', 'no-such-user');
    assertInvalidLinkPage((await setPassword(nobody.toString(), NEW_PASSWORD)).page);
    const otherUser = new URL(link);
    otherUser.searchParams.set('userId', other.userId);
    assertInvalidLinkPage((await setPassword(otherUser.toString(), NEW_PASSWORD)).page);
    const asInvitation = new URL(link);
    asInvitation.pathname = '/ui/login/invite';
    assertInvalidLinkPage((await setPassword(asInvitation.toString(), NEW_PASSWORD)).page);
    assert.deepEqual(await stateOf(user.userId), before);
    assert.deepEqual(parseEmailLink(server.url, link.toString())?.purpose, 'passwordReset');
    // The link still works after the refusals (they were fewer than the throttle's limit of 5).
    assert.equal((await setPassword(link.toString(), NEW_PASSWORD)).page?.status, 200);
  });

  it('throttles wrong codes for a user: 429, even for the right one, until the window passes', async () => {
    await setSmtp();
    const user = await orgWithUser(server, admin, {});
    await requestReset(user.username);
    const link = new URL(await linkTo(emailOf(user), RESET));
    const wrong = new URL(link);
    wrong.searchParams.set('code', 'wrong');
    for (let attempt = 0; attempt < 5; attempt++)
      assertInvalidLinkPage((await setPassword(wrong.toString(), NEW_PASSWORD)).page);
    const before = await stateOf(user.userId);
    assertInvalidLinkPage((await setPassword(link.toString(), NEW_PASSWORD)).page, 429);
    assert.deepEqual(await stateOf(user.userId), before);
  });
});

describe('the invitation link', () => {
  it('sets the first password and verifies the address; the user can log in; the link works once', async () => {
    await setSmtp();
    const { orgId } = await orgWithUser(server, admin, {});
    const username = `invited-${orgId}`;
    const created = await call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
      username,
      email: `${username}@example.com`,
      givenName: 'Ina',
      familyName: 'Vited',
      sendInvitation: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const link = await linkTo(`${username}@example.com`, '/ui/login/invite');
    assert.match(link, /\/ui\/login\/invite\?/);
    const done = await setPassword(link, NEW_PASSWORD);
    assert.equal(done.page?.status, 200, done.page?.html);
    const state = await stateOf(created.body.id as string);
    assert.equal(state.emailVerified, true);
    let flow = await passwordStep(server, username);
    assert.equal(flow.callbackUrl, null, 'the old demo password is not it');
    flow = await submitFormTo(flow, '/password', { password: NEW_PASSWORD });
    assert.ok((await redeemCode(flow)).claims()?.sub);
    assertInvalidLinkPage((await setPassword(link, `${NEW_PASSWORD}2`)).page);
    assert.deepEqual(await stateOf(created.body.id as string), state);
  });
});

describe('the email verification link', () => {
  it('verifies on the form, not on opening; a reused or reset link is refused without change', async () => {
    await setSmtp();
    const { orgId } = await orgWithUser(server, admin, {});
    const username = `verify-${orgId}`;
    const email = `${username}@example.com`;
    const created = await call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
      username,
      email,
      givenName: 'Vera',
      familyName: 'Fied',
      password: PASSWORD,
    });
    assert.equal(created.status, 201);
    const userId = created.body.id as string;
    const link = await linkTo(email, '/ui/login/email/verify');
    const opened = await openPage(new CookieJar(), link);
    assert.equal(opened.page?.status, 200);
    assert.equal((await stateOf(userId)).emailVerified, false, 'opening the link changes nothing');
    const asReset = new URL(link);
    asReset.pathname = '/ui/login/password/reset';
    assertInvalidLinkPage((await setPassword(asReset.toString(), NEW_PASSWORD)).page);
    const verified = await submitForm(opened, {});
    assert.equal(verified.page?.status, 200, verified.page?.html);
    assert.equal((await stateOf(userId)).emailVerified, true);
    const state = await stateOf(userId);
    assertInvalidLinkPage((await submitForm(opened, {})).page);
    assert.deepEqual(await stateOf(userId), state);
  });
});
