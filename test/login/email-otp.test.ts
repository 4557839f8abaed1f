// One-time codes by email as a second factor (`otp_email`), with a real SMTP server on loopback: set up from the
// self-service page (confirmed with a first code sent to the user's verified address), offered on the login's code
// page ("Send me a code by email"), single-use, short-lived, stored hashed and counted toward maxOtpAttempts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Event, User, UserFactor, VerificationCode } from '../../src/store/models/index.ts';
import { call } from '../api/helpers.ts';
import { CookieJar, openPage, pageText, redeemCode, submitForm, type Browsing } from '../helpers/login.ts';
import { onStep, orgWithUser, passwordStep, PASSWORD, submitFormTo, type OrgUser } from '../helpers/mfa.ts';
import { startMailingServer, stopMailingServer } from '../helpers/mailing-server.ts';
import { type TestServer } from '../helpers/server.ts';
import { type TestSmtp } from '../helpers/smtp.ts';

let server: TestServer;
let admin: string;
let smtp: TestSmtp;

before(async () => {
  ({ server, admin, smtp } = await startMailingServer());
});
after(() => stopMailingServer({ server, admin, smtp }));

const EMAIL_POLICY = { secondFactors: ['totp', 'otp_email', 'recovery_codes'] };
const emailOf = (user: OrgUser) => `${user.username}@example.com`;

/** The code of the `count`-th message to the user (waits for it). */
async function emailedCode(user: OrgUser, count: number): Promise<string> {
  const mails = await smtp.waitFor(emailOf(user), count);
  const match = /code is (\d{6})/.exec(mails[count - 1]!.parsed.text ?? '');
  assert.ok(match, `a code in: ${mails[count - 1]!.parsed.text}`);
  return match[1]!;
}

/** Signs the user in to /ui/account (no second factor yet). */
async function accountPage(user: OrgUser): Promise<Browsing> {
  const page = await openPage(new CookieJar(), `${server.url}/ui/account`);
  return submitForm(page, { loginName: user.username, password: PASSWORD });
}

/** A user of an org allowing email codes who set them up on /ui/account; `mails`: messages sent to them so far. */
async function enrolledUser(policy: Record<string, unknown> = {}) {
  const user = await orgWithUser(server, admin, { ...EMAIL_POLICY, ...policy }, { emailVerified: true });
  let page = await accountPage(user);
  page = await submitFormTo(page, '/ui/account/otp-email', {});
  page = await submitForm(page, { code: await emailedCode(user, 1) });
  assert.match(pageText(page.page!.html), /Codes by email, added/);
  return { ...user, mails: 1 };
}

describe('setting up email codes', () => {
  it('needs a first code sent to the verified address; a wrong one is refused; the code is stored hashed', async () => {
    const user = await orgWithUser(server, admin, EMAIL_POLICY, { emailVerified: true });
    let page = await accountPage(user);
    assert.match(page.page!.html, /Set up codes by email/);
    page = await submitFormTo(page, '/ui/account/otp-email', {});
    assert.match(pageText(page.page!.html), new RegExp(`sent a code to ${emailOf(user)}`));
    const code = await emailedCode(user, 1);
    const stored = await VerificationCode.find({ userId: user.userId }).lean();
    assert.equal(stored.length, 1);
    assert.ok(!JSON.stringify(stored).includes(code), 'only a hash of the code is stored');
    assert.equal((await UserFactor.findOne({ userId: user.userId }).lean())?.state, 'pending');

    const wrong = await submitForm(page, { code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.page?.status, 400);
    page = await submitForm(wrong, { code });
    assert.match(pageText(page.page!.html), /Codes by email, added/);
    const factor = await UserFactor.findOne({ userId: user.userId }).lean();
    assert.equal(factor?.type, 'otp_email');
    assert.equal(factor?.state, 'active');
    const added = await Event.findOne({ resourceId: user.userId, type: 'user.mfa.added' }).lean();
    assert.equal((added?.payload as { factorType: string }).factorType, 'otp_email');
  });

  it('is not offered without a verified address, nor where the policy does not allow it', async () => {
    const unverified = await orgWithUser(server, admin, EMAIL_POLICY);
    assert.doesNotMatch((await accountPage(unverified)).page!.html, /Set up codes by email/);
    const notAllowed = await orgWithUser(server, admin, {}, { emailVerified: true });
    assert.doesNotMatch((await accountPage(notAllowed)).page!.html, /Set up codes by email/);
  });
});

describe('logging in with a code by email', () => {
  it('sends a code on request; it logs in once; amr says otp and mfa', async () => {
    const user = await enrolledUser();
    let flow = await passwordStep(server, user.username);
    assert.ok(onStep(flow, '/mfa'), 'the code page follows the password');
    assert.match(flow.page!.html, /Send me a code by email/);
    flow = await submitFormTo(flow, '/mfa/email', {});
    assert.equal(flow.page?.status, 200);
    assert.match(pageText(flow.page!.html), /sent a code to/);
    const code = await emailedCode(user, user.mails + 1);
    flow = await submitForm(flow, { code });
    assert.deepEqual((await redeemCode(flow)).claims()!.amr, ['pwd', 'otp', 'mfa']);

    const replay = await submitForm(await passwordStep(server, user.username), { code });
    assert.equal(replay.page?.status, 401, 'a used code is refused');
  });

  it('an expired code is refused; only the newest code counts', async () => {
    const user = await enrolledUser();
    let flow = await passwordStep(server, user.username);
    flow = await submitFormTo(flow, '/mfa/email', {});
    const first = await emailedCode(user, user.mails + 1);
    await VerificationCode.updateMany({ userId: user.userId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await submitForm(flow, { code: first });
    assert.equal(expired.page?.status, 401);
    await VerificationCode.deleteMany({ userId: user.userId });
    // A new request right after the first one waits: the address is not flooded.
    const again = await submitFormTo(expired, '/mfa/email', {});
    assert.equal(again.page?.status, 200);
    const second = await emailedCode(user, user.mails + 2);
    const done = await submitForm(again, { code: second });
    assert.ok(done.callbackUrl?.searchParams.get('code'));
  });

  it('requests in quick succession send one message', async () => {
    const user = await enrolledUser();
    let flow = await passwordStep(server, user.username);
    flow = await submitFormTo(flow, '/mfa/email', {});
    const resent = await submitFormTo(flow, '/mfa/email', {});
    assert.equal(resent.page?.status, 429);
    assert.match(pageText(resent.page!.html), /already sent/);
    await emailedCode(user, user.mails + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(smtp.to(emailOf(user)).length, user.mails + 1);
  });

  it('wrong codes count toward maxOtpAttempts and lock the user', async () => {
    const user = await enrolledUser({ lockout: { maxOtpAttempts: 2 } });
    let flow = await passwordStep(server, user.username);
    flow = await submitFormTo(flow, '/mfa/email', {});
    const code = await emailedCode(user, user.mails + 1);
    const wrong = code === '000000' ? '111111' : '000000';
    flow = await submitForm(flow, { code: wrong });
    assert.equal(flow.page?.status, 401);
    flow = await submitForm(flow, { code: wrong });
    assert.equal(flow.page?.status, 403);
    assert.equal((await User.findById(user.userId).lean())?.state, 'locked');
    const refused = await submitForm(flow, { code });
    assert.ok(!refused.callbackUrl?.searchParams.get('code'), 'a locked user is not let in by the right code');
  });

  it('the factor stops counting when the policy no longer allows it', async () => {
    const user = await enrolledUser();
    await call(server, admin, 'PUT', `/orgs/${user.orgId}/login-policy`, { secondFactors: ['totp'] });
    const flow = await passwordStep(server, user.username);
    assert.ok(flow.callbackUrl?.searchParams.get('code'), 'no second factor the policy allows: the password suffices');
  });
});

describe('signing in to the self-service page with a code by email', () => {
  it('the second-factor page of /ui/account sends a code too', async () => {
    const user = await enrolledUser();
    let page = await accountPage(user);
    assert.match(page.page!.html, /action="\/ui\/account\/code"/, 'a second factor is asked');
    page = await submitFormTo(page, '/ui/account/code/email', {});
    assert.match(pageText(page.page!.html), /sent a code to/);
    page = await submitForm(page, { code: await emailedCode(user, user.mails + 1) });
    assert.match(pageText(page.page!.html), /Codes by email, added/);
  });
});

describe('the login policy', () => {
  it('accepts otp_email in secondFactors and still refuses otp_sms', async () => {
    const { orgId } = await orgWithUser(server, admin, {});
    const path = `/orgs/${orgId}/login-policy`;
    assert.equal((await call(server, admin, 'PUT', path, { secondFactors: ['otp_email'] })).status, 200);
    const sms = await call(server, admin, 'PUT', path, { secondFactors: ['otp_sms'] });
    assert.equal(sms.status, 400);
    assert.match(JSON.stringify(sms.body), /"field":"secondFactors"/);
  });
});

describe('setting up email codes during a login that must use a second factor', () => {
  it('offers them beside the app for a verified address; the first code confirms them and is the second factor', async () => {
    const user = await orgWithUser(server, admin, { ...EMAIL_POLICY, forceMfa: true }, { emailVerified: true });
    let flow = await passwordStep(server, user.username);
    assert.ok(onStep(flow, '/mfa-setup'), 'the set-up page');
    assert.match(flow.page!.html, /id="totp-secret"/, 'the app too');
    flow = await submitFormTo(flow, '/mfa-setup/email', {});
    assert.match(pageText(flow.page!.html), new RegExp(`sent a code to ${emailOf(user)}`));
    const code = await emailedCode(user, 1);
    const wrong = await submitForm(flow, { code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.page?.status, 400);
    assert.equal(await UserFactor.countDocuments({ userId: user.userId, state: 'active' }), 0);
    flow = await submitForm(wrong, { code });
    const claims = (await redeemCode(flow)).claims()!;
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    const factor = await UserFactor.findOne({ userId: user.userId, type: 'otp_email' }).lean();
    assert.equal(factor?.state, 'active');

    const next = await passwordStep(server, user.username);
    assert.ok(onStep(next, '/mfa'), 'the next login asks for a code');
    assert.match(next.page!.html, /Send me a code by email/);
  });

  it('not without a verified address, nor where the policy does not allow them; email alone then refuses', async () => {
    const unverified = await orgWithUser(server, admin, { ...EMAIL_POLICY, forceMfa: true });
    const flow = await passwordStep(server, unverified.username);
    assert.ok(onStep(flow, '/mfa-setup'));
    assert.doesNotMatch(flow.page!.html, /mfa-setup\/email/);
    const forged = await submitFormTo(flow, '/mfa-setup', {});
    assert.equal(forged.page?.status, 400, 'the app code form, without a code');
    const emailOnly = { secondFactors: ['otp_email'], forceMfa: true };
    const refused = await orgWithUser(server, admin, emailOnly);
    assert.equal((await passwordStep(server, refused.username)).page?.status, 403, 'nothing it could set up');
    const allowed = await orgWithUser(server, admin, emailOnly, { emailVerified: true });
    const offered = await passwordStep(server, allowed.username);
    assert.doesNotMatch(offered.page!.html, /id="totp-secret"/, 'no app where the policy does not allow one');
    assert.match(offered.page!.html, /Send me a code by email/);
  });
});
