// The password age policy (issue 16; ZITADEL's PasswordAgePolicy, here part of the login policy: instance default,
// org override): after a password login, a password older than maxAgeDays must be changed before the login finishes;
// within expireWarnDays of that the change is offered and may be postponed; the new password must differ from the
// old one, at login and on the reset page; setting a password restarts its age.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { passwordAgeStatus } from '../../src/domain/rules/password-age.ts';
import { User } from '../../src/store/models/index.ts';
import { call } from '../api/helpers.ts';
import { CookieJar, openPage, pageText, redeemCode, startLogin, submitForm, type LoginFlow } from '../helpers/login.ts';
import { demoLogin, onStep, orgWithUser, PASSWORD, passwordStep } from '../helpers/mfa.ts';
import { startMailingServer, stopMailingServer } from '../helpers/mailing-server.ts';
import { type TestServer } from '../helpers/server.ts';
import { linkIn, type ReceivedMail, type TestSmtp } from '../helpers/smtp.ts';

const DAY = 86_400_000;
const RESET_PATH = '/ui/login/password/reset';
const NEW_PASSWORD = 'Fresh-Passw0rd-2!';
let server: TestServer;
let admin: string;
let smtp: TestSmtp;

before(async () => {
  ({ server, admin, smtp } = await startMailingServer());
});
after(() => stopMailingServer({ server, admin, smtp }));

async function userWithPasswordAged(days: number, passwordAge: Record<string, number>) {
  const user = await orgWithUser(server, admin, { passwordAge });
  await User.updateOne(
    { _id: user.userId },
    { $set: { 'human.passwordChangedAt': new Date(Date.now() - days * DAY) } },
  );
  return user;
}

/** The page's second form (the first is the change form). */
function secondForm(flow: LoginFlow): LoginFlow {
  const form = [...flow.page!.html.matchAll(/<form\b[\s\S]*?<\/form>/g)][1]![0];
  return { ...flow, page: { ...flow.page!, html: form } };
}

describe('password age policy', () => {
  it('classifies a password as fresh, expiring or expired', () => {
    const now = new Date();
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    const policy = { maxAgeDays: 30, expireWarnDays: 5 };
    assert.equal(passwordAgeStatus(policy, ago(10), now), 'fresh');
    assert.equal(passwordAgeStatus(policy, ago(26), now), 'expiring');
    assert.equal(passwordAgeStatus(policy, ago(30), now), 'expired');
    assert.equal(passwordAgeStatus({ maxAgeDays: 0, expireWarnDays: 5 }, ago(3000), now), 'fresh');
  });

  it('is stored and shown by the login policy API', async () => {
    const user = await orgWithUser(server, admin, { passwordAge: { maxAgeDays: 90, expireWarnDays: 7 } });
    const policy = await call(server, admin, 'GET', `/orgs/${user.orgId}/login-policy`);
    assert.deepEqual((policy.body.effective as { passwordAge: unknown }).passwordAge, {
      maxAgeDays: 90,
      expireWarnDays: 7,
    });
    const refused = await call(server, admin, 'PUT', `/orgs/${user.orgId}/login-policy`, {
      passwordAge: { maxAgeDays: -1 },
    });
    assert.equal(refused.status, 400);
  });

  it('forces a new password, different from the old one, after maxAgeDays; the next login asks nothing', async () => {
    const user = await userWithPasswordAged(31, { maxAgeDays: 30 });
    const page = await passwordStep(server, user.username);
    assert.ok(onStep(page, '/password-change'), page.page?.html.slice(0, 800));
    assert.doesNotMatch(page.page!.html, /postpone/, 'an expired password cannot wait');
    const same = await submitForm(page, { password: PASSWORD, passwordConfirmation: PASSWORD });
    assert.equal(same.page?.status, 400);
    assert.match(pageText(same.page!.html), /different from your current one/);
    const weak = await submitForm(same, { password: 'weak', passwordConfirmation: 'weak' });
    assert.equal(weak.page?.status, 400);
    const done = await submitForm(weak, { password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD });
    assert.equal((await redeemCode(done)).claims()?.sub, user.userId);
    const changed = await User.findById(user.userId).lean();
    assert.ok(Date.now() - changed!.human!.passwordChangedAt!.getTime() < 60_000);

    assert.equal((await passwordStep(server, user.username)).page?.status, 401, 'the old password no longer works');
    let next = await submitForm(await startLogin(demoLogin(server)), { loginName: user.username });
    next = await submitForm(next, { password: NEW_PASSWORD });
    assert.ok(next.callbackUrl, 'the new password logs in, with no change asked');
  });

  it('offers the change within expireWarnDays and lets the user postpone it', async () => {
    const user = await userWithPasswordAged(27, { maxAgeDays: 30, expireWarnDays: 5 });
    const page = await passwordStep(server, user.username);
    assert.ok(onStep(page, '/password-change'));
    assert.match(pageText(page.page!.html), /expires in 3 days/);
    const postponed = await submitForm(secondForm(page), {});
    assert.equal((await redeemCode(postponed)).claims()?.sub, user.userId);
  });

  it('asks nothing of a fresh password', async () => {
    const user = await orgWithUser(server, admin, { passwordAge: { maxAgeDays: 30, expireWarnDays: 5 } });
    assert.ok((await passwordStep(server, user.username)).callbackUrl);
  });

  it('refuses the current password on the reset page under an age policy', async () => {
    const user = await userWithPasswordAged(31, { maxAgeDays: 30 });
    const requested = await call(server, admin, 'POST', `/users/${user.userId}/password/reset`);
    assert.ok(requested.status < 300, JSON.stringify(requested.body));
    const email = `${user.username}@example.com`;
    const isReset = (message: ReceivedMail) => (message.parsed.text ?? '').includes(RESET_PATH);
    while (!smtp.to(email).some(isReset)) await smtp.waitFor(email, smtp.to(email).length + 1);
    const form = await openPage(new CookieJar(), linkIn(smtp.to(email).find(isReset)!, `${server.url}${RESET_PATH}`));
    const same = await submitForm(form, { password: PASSWORD, passwordConfirmation: PASSWORD });
    assert.equal(same.page?.status, 400);
    assert.match(pageText(same.page!.html), /different from your current one/);
    const done = await submitForm(form, { password: NEW_PASSWORD, passwordConfirmation: NEW_PASSWORD });
    assert.equal(done.page?.status, 200);
    const changed = await User.findById(user.userId).lean();
    assert.ok(Date.now() - changed!.human!.passwordChangedAt!.getTime() < 60_000, 'the reset restarts the age');
  });
});
