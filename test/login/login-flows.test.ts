import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { Organization, User } from '../../src/store/models/index.ts';
import { CSRF_MESSAGE, EXPIRED_MESSAGE } from '../../src/http/login/interaction.ts';
import {
  loginWithPassword,
  pageText,
  parseForm,
  startLogin,
  submitForm,
  submitLoginName,
  submitPassword,
  type LoginFlow,
  type LoginOptions,
} from '../helpers/login.ts';
import { withRateLimits } from '../helpers/rate-limits.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let demo: LoginOptions;

before(async () => {
  server = await startTestServer();
  demo = demoLogin(server, { scope: 'openid profile email' });
});
after(() => server.stop());

const instanceId = () => server.bootstrap.instanceId;

async function userId(username: string): Promise<string> {
  const user = await User.findOne({ instanceId: instanceId(), username }, { _id: 1 }).lean();
  assert.ok(user, `demo user ${username} exists`);
  return user._id;
}

/** A fresh human user in an org, with the demo password. */
async function createUser(username: string, orgName: string): Promise<string> {
  const org = await Organization.findOne({ instanceId: instanceId(), name: orgName }).lean();
  const template = await User.findOne({ instanceId: instanceId(), username: 'alice' }).lean();
  const created = await User.create({
    instanceId: instanceId(),
    orgId: org!._id,
    type: 'human',
    username,
    human: { ...template!.human, email: `${username}@example.com` },
  });
  return created._id;
}

describe('login through the forms', () => {
  it('logs in with login name and password and issues a code for the user', async () => {
    const tokens = await loginWithPassword({ ...demo, loginName: 'alice', password: DEMO_PASSWORD });
    assert.equal(tokens.claims()?.sub, await userId('alice'));
  });

  it('renders the login-name page with the form contract', async () => {
    const flow = await startLogin(demo);
    assert.equal(flow.page?.status, 200);
    const form = parseForm(flow.page!.html, flow.page!.url)!;
    assert.match(form.action, /\/ui\/login\/[^/]+\/login-name$/);
    assert.ok(form.inputs.csrf, 'hidden csrf input');
    assert.ok('loginName' in form.inputs, 'loginName input');
    const passwordPage = await submitLoginName(flow, 'alice');
    assert.equal(passwordPage.page?.status, 200);
    assert.match(
      passwordPage.page!.url,
      /\/ui\/login\/[^/]+\/login-name$/,
      'the password page is the answer to the login name form, not a redirect',
    );
    const passwordForm = parseForm(passwordPage.page!.html, passwordPage.page!.url)!;
    assert.match(passwordForm.action, /\/ui\/login\/[^/]+\/password$/);
    assert.ok(passwordForm.inputs.csrf && 'password' in passwordForm.inputs);
  });

  it('accepts username@org-domain and the email address as login names', async () => {
    for (const loginName of ['alice@alpha.localhost', 'ALICE@alpha.localhost']) {
      const tokens = await loginWithPassword({ ...demo, loginName, password: DEMO_PASSWORD });
      assert.equal(tokens.claims()?.sub, await userId('alice'), loginName);
    }
    const id = await createUser('email-login', 'Alpha');
    const byEmail = await loginWithPassword({ ...demo, loginName: 'Email-Login@Example.com', password: DEMO_PASSWORD });
    assert.equal(byEmail.claims()?.sub, id);
  });

  it('shows "Password is invalid" for a wrong password, tied to the field, and issues no code', async () => {
    const flow = await submitPassword(await submitLoginName(await startLogin(demo), 'bob'), 'wrong-password');
    assert.equal(flow.callbackUrl, null);
    assert.equal(flow.page?.status, 401);
    assert.match(pageText(flow.page!.html), new RegExp(LOGIN_MESSAGES.passwordInvalid));
    assert.match(flow.page!.html, /id="password"[^>]*aria-describedby="password-error"/);
    // The same interaction still accepts the right password afterwards.
    const retried = await submitPassword(flow, DEMO_PASSWORD);
    assert.ok(retried.callbackUrl?.searchParams.get('code'));
  });

  it('shows "User could not be found" for an unknown login name', async () => {
    const flow = await submitLoginName(await startLogin(demo), 'nobody-here');
    assert.equal(flow.page?.status, 400);
    assert.match(pageText(flow.page!.html), new RegExp(LOGIN_MESSAGES.userNotFound));
    assert.match(flow.page!.html, /id="loginName"[^>]*aria-describedby="loginName-error"/);
  });

  it('refuses an inactive user and a user of an inactive org', async () => {
    const inactiveUser = await createUser('inactive-user', 'Alpha');
    await User.updateOne({ _id: inactiveUser }, { $set: { state: 'inactive' } });
    const flow = await submitLoginName(await startLogin(demo), 'inactive-user');
    assert.match(pageText(flow.page!.html), new RegExp(LOGIN_MESSAGES.userInactive));

    await createUser('member-of-closed-org', 'Beta');
    await Organization.updateOne({ instanceId: instanceId(), name: 'Beta' }, { $set: { state: 'inactive' } });
    try {
      const refused = await submitLoginName(await startLogin(demo), 'member-of-closed-org');
      assert.equal(refused.callbackUrl, null);
      assert.match(pageText(refused.page!.html), new RegExp(LOGIN_MESSAGES.orgInactive));
    } finally {
      await Organization.updateOne({ instanceId: instanceId(), name: 'Beta' }, { $set: { state: 'active' } });
    }
  });

  it('refuses a user deactivated between the login-name and the password step', async () => {
    const id = await createUser('deactivated-midway', 'Alpha');
    const flow = await submitLoginName(await startLogin(demo), 'deactivated-midway');
    await User.updateOne({ _id: id }, { $set: { state: 'inactive' } });
    const refused = await submitPassword(flow, DEMO_PASSWORD);
    assert.equal(refused.callbackUrl, null);
    assert.match(pageText(refused.page!.html), new RegExp(LOGIN_MESSAGES.userInactive));
  });

  it('answers a missing or wrong CSRF token with a readable 400 page', async () => {
    const flow = await startLogin(demo);
    for (const csrf of ['', 'forged-token']) {
      const refused = await submitForm(flow, { loginName: 'alice', csrf });
      assert.equal(refused.page?.status, 400);
      assert.match(pageText(refused.page!.html), new RegExp(CSRF_MESSAGE));
      assert.doesNotMatch(refused.page!.html, /at .*\.ts:\d+/, 'no stack trace');
    }
  });

  it('answers an unknown or finished interaction with a readable page', async () => {
    const response = await fetch(`${server.url}/ui/login/does-not-exist`);
    assert.equal(response.status, 400);
    assert.match(pageText(await response.text()), new RegExp(EXPIRED_MESSAGE));

    const flow = await submitLoginName(await startLogin(demo), 'alice');
    const done = await submitPassword(flow, DEMO_PASSWORD);
    assert.ok(done.callbackUrl);
    const replay = await submitPassword(flow, DEMO_PASSWORD);
    assert.equal(replay.callbackUrl, null);
    assert.match(pageText(replay.page!.html), new RegExp(EXPIRED_MESSAGE));
  });

  it('answers operator injection and non-form bodies without a 500', async () => {
    const flow = await startLogin(demo);
    const form = parseForm(flow.page!.html, flow.page!.url)!;
    const injected = await submitForm(flow, { 'loginName[$gt]': '', loginName: '{"$gt":""}' });
    assert.equal(injected.page?.status, 400);
    assert.match(pageText(injected.page!.html), new RegExp(LOGIN_MESSAGES.userNotFound));
    const json = await fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: flow.jar.header(new URL(form.action)) },
      body: JSON.stringify({ loginName: { $gt: '' } }),
    });
    assert.equal(json.status, 415);
  });

  it('does not let the password step be reached without the login-name step', async () => {
    const flow = await startLogin(demo);
    const passwordUrl = flow.page!.url.replace(/\/?$/, '/password');
    const response = await fetch(passwordUrl, {
      redirect: 'manual',
      headers: { cookie: flow.jar.header(new URL(passwordUrl)) },
    });
    assert.equal(response.status, 303);
    assert.match(response.headers.get('location') ?? '', /\/ui\/login\/[^/]+$/);
  });
});

describe('lockout', () => {
  it("locks the user after the org policy's maximum of wrong passwords, and then refuses the right one", async () => {
    await Organization.updateOne(
      { instanceId: instanceId(), name: 'ACME' },
      { $set: { loginPolicy: { lockout: { maxPasswordAttempts: 3 } } } },
    );
    const id = await createUser('lockout-sequential', 'ACME');
    let flow = await submitLoginName(await startLogin(demo), 'lockout-sequential');
    for (let attempt = 1; attempt <= 2; attempt++) {
      flow = await submitPassword(flow, 'wrong');
      assert.match(pageText(flow.page!.html), new RegExp(LOGIN_MESSAGES.passwordInvalid), `attempt ${attempt}`);
    }
    flow = await submitPassword(flow, 'wrong');
    assert.match(pageText(flow.page!.html), /User is locked/);
    flow = await submitPassword(flow, DEMO_PASSWORD);
    assert.equal(flow.callbackUrl, null);
    assert.match(pageText(flow.page!.html), /User is locked/);
    assert.equal((await User.findById(id).lean())?.state, 'locked');
    // A new login names the lock at the first step.
    const again = await submitLoginName(await startLogin(demo), 'lockout-sequential');
    assert.match(pageText(again.page!.html), /User is locked/);
  });

  it('a success resets the count of failed attempts', async () => {
    await createUser('lockout-reset', 'ACME');
    for (let round = 0; round < 2; round++) {
      let flow = await submitLoginName(await startLogin(demo), 'lockout-reset');
      flow = await submitPassword(flow, 'wrong');
      flow = await submitPassword(flow, 'wrong');
      flow = await submitPassword(flow, DEMO_PASSWORD);
      assert.ok(flow.callbackUrl?.searchParams.get('code'), `round ${round}`);
    }
  });

  it('parallel wrong passwords check at most the allowed number and lock the user', async () => {
    const id = await createUser('lockout-parallel', 'ACME');
    const flow = await submitLoginName(await startLogin(demo), 'lockout-parallel');
    // Without the per-login-name throttle (10 failures), which otherwise may refuse all 12 guesses before any password
    // is checked when every reservation lands before any count (it errs on the safe side): then nothing locks.
    const unthrottled = { passwordFailuresPerLoginName: { max: 0, windowSeconds: 300 } };
    let results: LoginFlow[] = [];
    await withRateLimits(instanceId(), unthrottled, async () => {
      results = await Promise.all(Array.from({ length: 12 }, () => submitPassword(flow, 'wrong')));
    });
    const invalid = results.filter((result) =>
      pageText(result.page!.html).includes(LOGIN_MESSAGES.passwordInvalid),
    ).length;
    assert.ok(invalid <= 2, `${invalid} guesses were answered "invalid"; only 2 may be before the lock`);
    assert.equal((await User.findById(id).lean())?.state, 'locked');
    const correct = await submitPassword(flow, DEMO_PASSWORD);
    assert.equal(correct.callbackUrl, null);
  });

  it('does not count attempts when the policy has no lockout', async () => {
    await createUser('no-lockout', 'Alpha');
    let flow = await submitLoginName(await startLogin(demo), 'no-lockout');
    for (let attempt = 0; attempt < 6; attempt++) flow = await submitPassword(flow, 'wrong');
    flow = await submitPassword(flow, DEMO_PASSWORD);
    assert.ok(flow.callbackUrl?.searchParams.get('code'));
  });
});

describe('code exchange after the forms', () => {
  it('the code redeems once at the token endpoint with PKCE', async () => {
    const flow = await submitPassword(await submitLoginName(await startLogin(demo), 'bob'), DEMO_PASSWORD);
    const tokens = await client.authorizationCodeGrant(flow.config, flow.callbackUrl!, {
      pkceCodeVerifier: flow.codeVerifier,
      expectedState: flow.state,
    });
    assert.equal(tokens.claims()?.sub, await userId('bob'));
    await assert.rejects(
      client.authorizationCodeGrant(flow.config, flow.callbackUrl!, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
      }),
    );
  });
});
