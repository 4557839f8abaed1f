// Self-registration in the login UI (issue 16): offered on the login-name page only where the org's policy sets
// allowRegister; the org's password complexity applies; the new user is signed in at once (a forced second factor is
// set up next) and gets a verification email; an address already registered is answered 409.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { User } from '../../src/store/models/index.ts';
import { call } from '../api/helpers.ts';
import { openPage, pageText, redeemCode, startLogin, submitForm, type LoginFlow } from '../helpers/login.ts';
import { demoLogin, onStep } from '../helpers/mfa.ts';
import { withRateLimits } from '../helpers/rate-limits.ts';
import { startMailingServer, stopMailingServer } from '../helpers/mailing-server.ts';
import { type TestServer } from '../helpers/server.ts';
import { type ReceivedMail, type TestSmtp } from '../helpers/smtp.ts';

const PASSWORD = 'Register-Passw0rd!';
let server: TestServer;
let admin: string;
let smtp: TestSmtp;

before(async () => {
  ({ server, admin, smtp } = await startMailingServer());
});
after(() => stopMailingServer({ server, admin, smtp }));

async function orgWithPolicy(policy: Record<string, unknown>): Promise<string> {
  const org = await call(server, admin, 'POST', '/orgs', { name: `Reg ${randomUUID().slice(0, 8)}` });
  const orgId = org.body.id as string;
  const set = await call(server, admin, 'PUT', `/orgs/${orgId}/login-policy`, policy);
  assert.equal(set.status, 200, JSON.stringify(set.body));
  return orgId;
}

const startIn = (orgId: string) =>
  startLogin(demoLogin(server, { scope: `openid email urn:zitadel:iam:org:id:${orgId}` }));
const registerLink = (flow: LoginFlow) => /href="(\/ui\/login\/[^"]+\/register)"/.exec(flow.page!.html)?.[1] ?? null;

async function registrationForm(orgId: string): Promise<LoginFlow> {
  const flow = await startIn(orgId);
  const link = registerLink(flow);
  assert.ok(link, 'the login-name page offers "Register"');
  const form = await openPage(flow.jar, `${server.url}${link}`);
  assert.equal(form.page?.status, 200);
  return { ...flow, page: form.page };
}

const fields = (email: string, password = PASSWORD) => ({
  givenName: 'Reggie',
  familyName: 'Strant',
  email,
  password,
  passwordConfirmation: password,
});

const codeIn = (mail: ReceivedMail) => /with this code: ([A-Z0-9]{8})/.exec(mail.parsed.text ?? '')![1]!;

describe('self-registration', () => {
  it('is offered only where the policy allows it', async () => {
    const closed = await orgWithPolicy({});
    const flow = await startIn(closed);
    assert.equal(registerLink(flow), null);
    const uid = /action="\/ui\/login\/([^/"]+)\/login-name"/.exec(flow.page!.html)![1];
    const refused = await openPage(flow.jar, `${server.url}/ui/login/${uid}/register`);
    assert.equal(refused.page?.status, 403);
  });

  it('creates the user with the policy checked, signs them in, and sends a verification email', async () => {
    const orgId = await orgWithPolicy({ allowRegister: true, passwordComplexity: { minLength: 14 } });
    const email = `reg-${orgId}@example.com`;
    const form = await registrationForm(orgId);
    const weak = await submitForm(form, fields(email, 'Sh0rt-Passw!'));
    assert.equal(weak.page?.status, 400);
    assert.match(pageText(weak.page!.html), /at least 14 characters/);
    assert.equal(await User.countDocuments({ username: email }), 0);
    const done = await submitForm(weak, fields(email));
    const claims = (await redeemCode(done)).claims()!;
    assert.equal(claims.email, email);
    assert.equal(claims.email_verified, false);
    const user = await User.findOne({ username: email }).lean();
    assert.equal(user?.orgId, orgId);
    await smtp.waitFor(email);

    const again = await submitForm(await registrationForm(orgId), fields(email));
    assert.equal(again.page?.status, 409);
    assert.equal(await User.countDocuments({ username: email }), 1);
  });

  it('leads to the second factor set-up when the policy forces MFA', async () => {
    const orgId = await orgWithPolicy({ allowRegister: true, forceMfa: true, mfaInitSkipLifetime: 0 });
    const flow = await submitForm(await registrationForm(orgId), fields(`mfa-${orgId}@example.com`));
    assert.ok(onStep(flow, '/mfa-setup'), flow.page?.html.slice(0, 500));
  });

  it('asks for the emailed code before the login finishes where the policy requires verification', async () => {
    const orgId = await orgWithPolicy({ allowRegister: true, requireEmailVerification: true });
    const email = `verify-${orgId}@example.com`;
    const verify = await submitForm(await registrationForm(orgId), fields(email));
    assert.match(verify.page!.html, /action="\/ui\/login\/[^/"]+\/verify-email"/);
    const [first] = await smtp.waitFor(email);
    // A new code replaces the first one: the resend form is the page's second form.
    const resendAction = /action="(\/ui\/login\/[^/"]+\/verify-email\/resend)"/.exec(verify.page!.html)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(verify.page!.html)![1]!;
    const resent = await submitForm(
      { ...verify, page: { ...verify.page!, html: `<form method="post" action="${resendAction}"></form>` } },
      { csrf },
    );
    assert.match(pageText(resent.page!.html), /A new code is on its way/);
    const [, second] = await smtp.waitFor(email, 2);
    const stale = await submitForm(resent, { code: codeIn(first!) });
    assert.equal(stale.page?.status, 400);
    assert.equal((await User.findOne({ username: email }).lean())?.human?.emailVerified, false);
    const done = await submitForm(stale, { code: codeIn(second!) });
    assert.equal((await redeemCode(done)).claims()?.email_verified, true);
  });

  it('asks a user created unverified through the API for the code at login, where the policy requires it', async () => {
    const orgId = await orgWithPolicy({ requireEmailVerification: true });
    const username = `api-${orgId}`;
    const email = `${username}@example.com`;
    const created = await call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
      username,
      email,
      givenName: 'Api',
      familyName: 'User',
      password: PASSWORD,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    let flow = await submitForm(await startIn(orgId), { loginName: username });
    flow = await submitForm(flow, { password: PASSWORD });
    assert.match(flow.page!.html, /verify-email/);
    const [mail] = await smtp.waitFor(email);
    const done = await submitForm(flow, { code: codeIn(mail!) });
    assert.equal((await redeemCode(done)).claims()?.email_verified, true);
  });

  it('throttles registrations per email address, counting every attempt that would create an account', async () => {
    const orgId = await orgWithPolicy({ allowRegister: true });
    const rules = { registrationsPerEmail: { max: 2, windowSeconds: 600 } };
    await withRateLimits(server.bootstrap.instanceId, rules, async () => {
      const email = `throttle-${orgId}@example.com`;
      assert.equal((await submitForm(await registrationForm(orgId), fields(email, 'weak'))).page?.status, 400);
      assert.ok((await submitForm(await registrationForm(orgId), fields(email))).callbackUrl);
      assert.equal((await submitForm(await registrationForm(orgId), fields(email))).page?.status, 409);
      const refused = await submitForm(await registrationForm(orgId), fields(email));
      assert.equal(refused.page?.status, 429);
      assert.doesNotMatch(pageText(refused.page!.html), /exists|already/);
    });
  });

  it('starts on the registration form with prompt=create where registration is allowed', async () => {
    const orgId = await orgWithPolicy({ allowRegister: true });
    const scope = `openid email urn:zitadel:iam:org:id:${orgId}`;
    const flow = await startLogin(demoLogin(server, { scope, extraParams: { prompt: 'create' } }));
    assert.match(flow.page!.html, /action="\/ui\/login\/[^/"]+\/register"/);
    const email = `create-${orgId}@example.com`;
    const done = await submitForm(flow, fields(email));
    assert.equal((await redeemCode(done)).claims()?.email, email);

    const closed = await orgWithPolicy({});
    const scoped = `openid urn:zitadel:iam:org:id:${closed}`;
    const login = await startLogin(demoLogin(server, { scope: scoped, extraParams: { prompt: 'create' } }));
    assert.match(login.page!.html, /action="\/ui\/login\/[^/"]+\/login-name"/, 'no registration: the login');
  });
});
