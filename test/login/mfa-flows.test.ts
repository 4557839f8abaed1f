import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MFA_ACR } from '../../src/domain/rules/mfa.ts';
import { totpCode } from '../../src/platform/one-time-codes.ts';
import { Event, User, UserFactor } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { pageText, redeemCode, startLogin, submitForm, submitLoginName, submitPassword } from '../helpers/login.ts';
import {
  confirmSetup,
  demoLogin,
  enrolledTotpUser,
  nextStepCode,
  onStep,
  orgWithUser,
  passwordStep,
  PASSWORD,
} from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

/** A user of an org forcing MFA who has set up TOTP (through the login), with their secret and recovery codes. */
function enrolledUser(policy: Record<string, unknown> = {}) {
  return enrolledTotpUser(server, admin, policy);
}

describe('forced MFA and TOTP through the login', () => {
  it('a password alone never yields a code: set-up is asked, cannot be skipped with lifetime 0, then amr has both', async () => {
    const user = await orgWithUser(server, admin, { forceMfa: true, mfaInitSkipLifetime: 0 });
    let flow = await passwordStep(server, user.username);
    assert.ok(onStep(flow, '/mfa-setup'), 'the set-up page follows the password');
    assert.doesNotMatch(flow.page!.html, /Not now/, 'no way to postpone with mfaInitSkipLifetime 0');
    assert.match(flow.page!.html, /<img src="data:image\/svg\+xml;base64,[^"]+" alt="[^"]+"/, 'a QR code image');
    const uid = /\/ui\/login\/([^/"]+)\/mfa-setup/.exec(flow.page!.html)![1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(flow.page!.html)![1]!;
    // Going around the page: postponing is refused, continuing shows the set-up again, a wrong code is refused.
    for (const path of ['mfa-setup/postpone', 'continue']) {
      const response = await fetch(`${server.url}/ui/login/${uid}/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: flow.jar.header(new URL(server.url + `/ui/login/${uid}/x`)),
        },
        body: new URLSearchParams({ csrf }).toString(),
        redirect: 'manual',
      });
      assert.notEqual(response.status, 303, `${path} does not finish the login`);
      assert.match(await response.text(), /mfa-setup/);
    }
    const wrong = await submitForm(flow, { code: '12345' });
    assert.equal(wrong.page?.status, 400);
    assert.ok(onStep(wrong, '/mfa-setup'));

    const setup = await confirmSetup(wrong);
    assert.equal(setup.codes.length, 10, 'ten recovery codes are shown once');
    flow = await submitForm(setup.flow, {});
    const tokens = await redeemCode(flow);
    const claims = tokens.claims()!;
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(typeof claims.auth_time, 'number');
    assert.equal(claims.acr, undefined, 'acr only when requested');

    const stored = await UserFactor.find({ userId: user.userId }).lean();
    const totp = stored.find((factor) => factor.type === 'totp')!;
    assert.equal(totp.state, 'active');
    assert.ok(!JSON.stringify(stored).includes(setup.secret), 'the secret is not stored in clear');
    assert.ok(!setup.codes.some((code) => JSON.stringify(stored).includes(code)), 'nor the recovery codes');
  });

  it('asks an enrolled user for a code; a replayed code and an older one are refused; acr says multi-factor', async () => {
    const user = await enrolledUser();
    let flow = await passwordStep(server, user.username, { extraParams: { acr_values: MFA_ACR } });
    assert.ok(onStep(flow, '/mfa'), 'the code page follows the password');
    // The set-up used the current step's code: the same code again is a replay.
    const replay = await submitForm(flow, { code: totpCode(user.secret) });
    assert.equal(replay.page?.status, 401, pageText(replay.page?.html ?? ''));
    const code = nextStepCode(user.secret);
    flow = await submitForm(replay, { code });
    const claims = (await redeemCode(flow)).claims()!;
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(claims.acr, MFA_ACR);

    const again = await submitForm(await passwordStep(server, user.username), { code });
    assert.equal(again.page?.status, 401, 'the accepted code is not accepted twice');
    const older = await submitForm(again, { code: totpCode(user.secret, Date.now() - 30_000) });
    assert.equal(older.page?.status, 401, 'a code of an earlier step is refused');
    const events = await Event.find({ resourceId: user.userId }).lean();
    assert.equal(events.filter((event) => event.type === 'user.mfa.check.succeeded').length, 1);
    assert.equal(events.filter((event) => event.type === 'user.mfa.check.failed').length, 3);
  });

  it("after a later step was accepted, an earlier step's code is refused, whatever the factor last recorded", async () => {
    const user = await enrolledUser();
    // As for a factor set up long ago: what it recorded at set-up says nothing of the steps accepted since.
    await UserFactor.updateOne({ userId: user.userId, type: 'totp' }, { $set: { 'totp.lastUsedStep': 0 } });
    const accepted = await submitForm(await passwordStep(server, user.username), { code: nextStepCode(user.secret) });
    assert.ok(accepted.callbackUrl?.searchParams.get('code'), 'the code of the next step is accepted');
    const earlier = totpCode(user.secret, Date.now() - 30_000);
    const refused = await submitForm(await passwordStep(server, user.username), { code: earlier });
    assert.equal(refused.page?.status, 401, 'a code of a step before the accepted one is a replay');
  });

  it('two parallel submissions of one code: exactly one is accepted', async () => {
    const user = await enrolledUser();
    const flows = await Promise.all([1, 2, 3].map(() => passwordStep(server, user.username)));
    const code = nextStepCode(user.secret);
    const results = await Promise.all(flows.map((flow) => submitForm(flow, { code })));
    assert.equal(results.filter((result) => result.callbackUrl).length, 1);
  });

  it('a recovery code logs in once', async () => {
    const user = await enrolledUser();
    const code = user.recoveryCodes[3]!;
    const flow = await submitForm(await passwordStep(server, user.username), { code: code.toLowerCase() });
    assert.deepEqual((await redeemCode(flow)).claims()!.amr, ['pwd', 'otp', 'mfa']);
    const reused = await submitForm(await passwordStep(server, user.username), { code });
    assert.equal(reused.page?.status, 401);
    const list = await call(server, admin, 'GET', `/users/${user.userId}/mfa`);
    const codes = (list.body.factors as Array<Record<string, unknown>>).find((f) => f.type === 'recovery_codes')!;
    assert.equal(codes.remainingCodes, 9);
  });
});

describe('lockout after maxOtpAttempts', () => {
  it('parallel wrong codes run at most the allowed checks and lock the user; unlock lets them in again', async () => {
    const user = await enrolledUser({ lockout: { maxOtpAttempts: 3 } });
    const flows = await Promise.all(Array.from({ length: 8 }, () => passwordStep(server, user.username)));
    const results = await Promise.all(flows.map((flow) => submitForm(flow, { code: 'WRONG-CODE1' })));
    assert.ok(results.every((result) => result.page && result.page.status >= 400));
    const checks = await Event.countDocuments({ resourceId: user.userId, type: 'user.mfa.check.failed' });
    // Parallel reservations may all land before any is counted: then none is checked, which errs on the safe side.
    assert.ok(checks <= 3, `at most 3 codes were checked, not ${checks}`);
    assert.equal((await User.findById(user.userId).lean())!.state, 'locked');
    const locks = await Event.find({ resourceId: user.userId, type: 'user.locked' }).lean();
    assert.equal(locks.length, 1);
    assert.ok((locks[0]!.payload as { failedOtpAttempts?: number }).failedOtpAttempts! >= 3);

    const refused = await submitPassword(
      await submitLoginName(await startLogin(demoLogin(server)), user.username),
      PASSWORD,
    );
    assert.match(pageText(refused.page!.html), /User is locked/);
    assert.equal((await call(server, admin, 'POST', `/users/${user.userId}/unlock`)).status, 200);
    assert.equal((await call(server, admin, 'POST', `/users/${user.userId}/unlock`)).status, 409, 'not locked now');
    const flow = await submitForm(await passwordStep(server, user.username), { code: nextStepCode(user.secret) });
    assert.ok(flow.callbackUrl, 'the attempts were forgotten');
  });
});

describe('managing factors through the API', () => {
  it('lists, removes one, and resets all; every change is an audit event', async () => {
    const user = await enrolledUser();
    const list = await call(server, admin, 'GET', `/users/${user.userId}/mfa`);
    assert.equal(list.status, 200);
    const factors = list.body.factors as Array<{ id: string; type: string }>;
    assert.deepEqual(factors.map((factor) => factor.type).sort(), ['recovery_codes', 'totp']);
    const totp = factors.find((factor) => factor.type === 'totp')!;
    assert.equal((await call(server, admin, 'DELETE', `/users/${user.userId}/mfa/${totp.id}`)).status, 204);
    assert.equal((await call(server, admin, 'DELETE', `/users/${user.userId}/mfa/${totp.id}`)).status, 404);
    assert.equal((await call(server, admin, 'DELETE', `/users/${user.userId}/mfa`)).status, 204);
    assert.deepEqual((await call(server, admin, 'GET', `/users/${user.userId}/mfa`)).body.factors, []);
    // Without a factor, forced MFA sets one up again.
    assert.ok(onStep(await passwordStep(server, user.username), '/mfa-setup'));
    const types = (await Event.find({ resourceId: user.userId }).lean()).map((event) => event.type);
    for (const type of ['user.mfa.added', 'user.mfa.removed', 'user.mfa.reset'])
      assert.ok(types.includes(type), `${type} in ${types}`);
  });
});
