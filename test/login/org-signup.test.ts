// Organization sign-up (issue 16, "create your workspace"): offered only where the instance switches it on
// (features.orgSignUp) and can send email; one form creates the org, its first user and that user's ORG_OWNER role;
// the owner verifies the address with the emailed code before the first login finishes; a name taken is answered on
// the form with everything typed kept; sign-ups are throttled per IP address; every step is in the audit trail.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Event, Membership, Organization, RateLimitHit, User } from '../../src/store/models/index.ts';
import { call } from '../api/helpers.ts';
import { CookieJar, openPage, pageText, redeemCode, startLogin, submitForm, type LoginFlow } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { withRateLimits } from '../helpers/rate-limits.ts';
import { startMailingServer, stopMailingServer } from '../helpers/mailing-server.ts';
import { type TestServer } from '../helpers/server.ts';
import { linkIn, type TestSmtp } from '../helpers/smtp.ts';

const PASSWORD = 'Workspace-Passw0rd!';
let server: TestServer;
let admin: string;
let smtp: TestSmtp;

before(async () => {
  ({ server, admin, smtp } = await startMailingServer());
});
after(() => stopMailingServer({ server, admin, smtp }));

async function allowOrgSignUp(allowed: boolean): Promise<void> {
  const changed = await call(server, admin, 'PATCH', '/instance/settings', { features: { orgSignUp: allowed } });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal((changed.body.features as { orgSignUp: boolean }).orgSignUp, allowed);
}

const signUpLink = (flow: LoginFlow) => /href="(\/ui\/login\/[^"]+\/org-signup)"/.exec(flow.page!.html)?.[1] ?? null;

async function signUpForm(): Promise<LoginFlow> {
  const flow = await startLogin(demoLogin(server, { scope: 'openid email profile' }));
  const link = signUpLink(flow);
  assert.ok(link, 'the login-name page offers "Create an organization"');
  const form = await openPage(flow.jar, `${server.url}${link}`);
  assert.equal(form.page?.status, 200);
  return { ...flow, page: form.page };
}

const fields = (orgName: string, email: string, password = PASSWORD) => ({
  orgName,
  givenName: 'Olga',
  familyName: 'Owner',
  email,
  password,
  passwordConfirmation: password,
});

const codeIn = (text: string) => /with this code: ([A-Z0-9]{8})/.exec(text)?.[1] ?? null;

describe('organization sign-up', () => {
  it('is not offered unless the instance allows it', async () => {
    await allowOrgSignUp(false);
    const flow = await startLogin(demoLogin(server));
    assert.equal(signUpLink(flow), null);
    const uid = /action="\/ui\/login\/([^/"]+)\/login-name"/.exec(flow.page!.html)![1];
    assert.equal((await openPage(flow.jar, `${server.url}/ui/login/${uid}/org-signup`)).page?.status, 403);
    assert.equal((await openPage(new CookieJar(), `${server.url}/ui/login/register/org`)).page?.status, 403);
  });

  it('creates the org with its owner, who verifies the address before the first login finishes', async () => {
    await allowOrgSignUp(true);
    const name = `Beta ${randomUUID().slice(0, 8)}`;
    const email = `owner-${randomUUID().slice(0, 8)}@example.com`;
    const weak = await submitForm(await signUpForm(), fields(name, email, 'short'));
    assert.equal(weak.page?.status, 400);
    assert.match(pageText(weak.page!.html), /at least 8 characters/);
    assert.equal(await Organization.countDocuments({ name }), 0);

    const verify = await submitForm(weak, fields(name, email));
    assert.equal(verify.page?.status, 200, verify.page?.html.slice(0, 1500));
    assert.match(verify.page!.html, /action="\/ui\/login\/[^/"]+\/verify-email"/);
    const org = await Organization.findOne({ name }).lean();
    const user = await User.findOne({ username: email }).lean();
    assert.equal(user?.orgId, org?._id);
    const owner = await Membership.findOne({ userId: user?._id, level: 'org', resourceId: org?._id }).lean();
    assert.deepEqual(owner?.roles, ['ORG_OWNER']);
    const events = await Event.find({ resourceId: { $in: [org!._id, user!._id] } }, { type: 1 }).lean();
    for (const type of ['org.added', 'user.human.added', 'member.added', 'org.signed_up', 'user.email.code.sent'])
      assert.ok(
        events.some((event) => event.type === type),
        `audit event ${type}`,
      );

    const wrong = await submitForm(verify, { code: 'AAAAAAAA' });
    assert.equal(wrong.page?.status, 400);
    const [mail] = await smtp.waitFor(email);
    const done = await submitForm(wrong, { code: codeIn(mail!.parsed.text ?? '')! });
    const claims = (await redeemCode(done)).claims()!;
    assert.equal(claims.email, email);
    assert.equal(claims.email_verified, true);
  });

  it('answers a name taken on the form, keeping what was typed', async () => {
    await allowOrgSignUp(true);
    const name = `Taken ${randomUUID().slice(0, 8)}`;
    const first = await submitForm(await signUpForm(), fields(name, `first-${randomUUID().slice(0, 8)}@example.com`));
    assert.equal(first.page?.status, 200);
    const email = `second-${randomUUID().slice(0, 8)}@example.com`;
    const taken = await submitForm(await signUpForm(), fields(name, email));
    assert.equal(taken.page?.status, 409);
    assert.match(pageText(taken.page!.html), /An organization with this name exists already/);
    assert.match(taken.page!.html, new RegExp(`value="${name}"`));
    assert.match(taken.page!.html, new RegExp(`value="${email}"`));
    assert.match(taken.page!.html, /id="orgName"[^>]*aria-invalid="true"/);
    assert.equal(await User.countDocuments({ username: email }), 0);
    assert.equal(await Organization.countDocuments({ name }), 1);
  });

  it('works by its stable URL outside a login; the owner verifies by the link, then signs in', async () => {
    await allowOrgSignUp(true);
    const name = `Standalone ${randomUUID().slice(0, 8)}`;
    const email = `standalone-${randomUUID().slice(0, 8)}@example.com`;
    const jar = new CookieJar();
    const form = await openPage(jar, `${server.url}/ui/login/register/org`);
    assert.equal(form.page?.status, 200);
    const created = await submitForm(form, fields(name, email));
    assert.equal(created.page?.status, 201);
    assert.match(pageText(created.page!.html), /Check your email/);
    const [mail] = await smtp.waitFor(email);
    const link = await openPage(jar, linkIn(mail!, server.url));
    const verified = await submitForm(link, {});
    assert.match(pageText(verified.page!.html), /Your email address is verified/);

    let flow = await startLogin(demoLogin(server, { scope: 'openid email' }));
    flow = await submitForm(flow, { loginName: email });
    flow = await submitForm(flow, { password: PASSWORD });
    assert.equal((await redeemCode(flow)).claims()?.email_verified, true);
  });

  it('is throttled per IP address', async () => {
    await allowOrgSignUp(true);
    await RateLimitHit.deleteMany({});
    const rules = { registrationsPerIp: { max: 1, windowSeconds: 600 } };
    await withRateLimits(server.bootstrap.instanceId, rules, async () => {
      const tag = randomUUID().slice(0, 8);
      const first = await submitForm(await signUpForm(), fields(`One ${tag}`, `one-${tag}@example.com`));
      assert.equal(first.page?.status, 200);
      const second = await submitForm(await signUpForm(), fields(`Two ${tag}`, `two-${tag}@example.com`));
      assert.equal(second.page?.status, 429);
      assert.equal(await Organization.countDocuments({ name: `Two ${tag}` }), 0);
    });
  });
});
