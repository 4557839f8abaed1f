import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { MFA_ACR } from '../../src/domain/rules/mfa.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { CookieJar, pageText, redeemCode, startLogin, submitForm } from '../helpers/login.ts';
import {
  confirmSetup,
  demoLogin,
  nextStepCode,
  onStep,
  orgWithUser,
  passwordStep,
  submitFormTo,
} from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

/** A full login (password, and the second factor pages) in `jar`; the ID token claims. */
async function login(
  username: string,
  jar: CookieJar,
  secret: string | null,
  extraParams: Record<string, string> = {},
) {
  let flow = await passwordStep(server, username, { jar, extraParams });
  if (onStep(flow, '/mfa-setup')) {
    const setup = await confirmSetup(flow);
    flow = await submitForm(setup.flow, {});
    return { claims: (await redeemCode(flow)).claims()!, secret: setup.secret };
  }
  if (onStep(flow, '/mfa')) flow = await submitForm(flow, { code: nextStepCode(secret!) });
  return { claims: (await redeemCode(flow)).claims()!, secret };
}

/** Whether a new authorization in `jar` is answered from the session (straight to the callback). */
async function reusesSession(jar: CookieJar, extraParams: Record<string, string> = {}): Promise<boolean> {
  const flow = await startLogin(demoLogin(server, { jar, extraParams }));
  return flow.callbackUrl !== null && flow.callbackUrl.searchParams.has('code');
}

describe('login policy fields through the API', () => {
  it('refuses every value the login cannot honour yet, naming the field', async () => {
    const { orgId } = await orgWithUser(server, admin, {});
    const refused: Array<[string, unknown]> = [
      ['idps', ['no-such-idp']],
      ['secondFactors', ['totp', 'otp_sms']],
    ];
    for (const [field, value] of refused) {
      const response = await call(server, admin, 'PUT', `/orgs/${orgId}/login-policy`, { [field]: value });
      assert.equal(response.status, 400, `${field}: ${JSON.stringify(response.body)}`);
      assert.match(JSON.stringify(response.body), new RegExp(`"field":"${field}"`));
    }
    const accepted = {
      allowUsernamePassword: true,
      passwordlessType: 'allowed',
      allowRegister: false,
      allowExternalIdp: false,
      forceMfa: true,
      forceMfaLocalOnly: true,
      secondFactors: ['recovery_codes', 'totp', 'u2f'],
      multiFactors: ['u2f_with_verification'],
      mfaInitSkipLifetime: 0,
      passwordCheckLifetime: 3600,
      secondFactorCheckLifetime: 600,
      multiFactorCheckLifetime: 600,
      hidePasswordReset: true,
      lockout: { maxPasswordAttempts: 5, maxOtpAttempts: 4 },
    };
    const set = await call(server, admin, 'PUT', `/orgs/${orgId}/login-policy`, accepted);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const effective = (await call(server, admin, 'GET', `/orgs/${orgId}/login-policy`)).body.effective as Record<
      string,
      unknown
    >;
    for (const [field, value] of Object.entries(accepted)) assert.deepEqual(effective[field], value, field);
  });
});

describe('second-factor policy in the login', () => {
  it('mfaInitSkipLifetime: set-up may be postponed until the lifetime has run out since the first time', async () => {
    const user = await orgWithUser(server, admin, { forceMfa: true, mfaInitSkipLifetime: 3 });
    let flow = await passwordStep(server, user.username);
    assert.match(flow.page!.html, /Not now/);
    const postponed = await submitFormTo(flow, '/mfa-setup/postpone', {});
    assert.deepEqual((await redeemCode(postponed)).claims()!.amr, ['pwd'], 'a postponed set-up: one factor');
    flow = await passwordStep(server, user.username);
    assert.match(flow.page!.html, /Not now/, 'still within the lifetime');
    await sleep(3200);
    flow = await passwordStep(server, user.username);
    assert.ok(onStep(flow, '/mfa-setup'));
    assert.doesNotMatch(flow.page!.html, /Not now/, 'the lifetime has run out');
  });

  it('forceMfa with no second factor allowed that could be set up: a readable refusal', async () => {
    const user = await orgWithUser(server, admin, { forceMfa: true, secondFactors: ['recovery_codes'] });
    const flow = await passwordStep(server, user.username);
    assert.equal(flow.page?.status, 403);
    assert.match(pageText(flow.page!.html), new RegExp(LOGIN_MESSAGES.mfaForcedNotConfigured.slice(0, 40)));
  });

  it('secondFactors: a factor type the policy no longer allows is not accepted', async () => {
    const user = await orgWithUser(server, admin, { forceMfa: true });
    const jar = new CookieJar();
    const { secret } = await login(user.username, jar, null);
    const set = await call(server, admin, 'PUT', `/orgs/${user.orgId}/login-policy`, {
      forceMfa: true,
      secondFactors: ['recovery_codes'],
    });
    assert.equal(set.status, 200);
    const flow = await passwordStep(server, user.username);
    assert.ok(onStep(flow, '/mfa'), 'the recovery codes remain usable');
    const refused = await submitForm(flow, { code: nextStepCode(secret!) });
    assert.equal(refused.page?.status, 401, 'a TOTP code is not');
  });

  it('forceMfaLocalOnly: every login is local (no external identity providers yet), so MFA is still forced', async () => {
    const user = await orgWithUser(server, admin, { forceMfa: true, forceMfaLocalOnly: true });
    assert.ok(onStep(await passwordStep(server, user.username), '/mfa-setup'));
  });
});

describe('reusing a session for a new authorization', () => {
  it('a password session is reused, but not for acr_values asking for MFA, prompt=login or max_age=0', async () => {
    const user = await orgWithUser(server, admin, {});
    const jar = new CookieJar();
    const first = await login(user.username, jar, null);
    assert.deepEqual(first.claims.amr, ['pwd']);
    assert.equal(await reusesSession(jar), true);
    assert.equal(await reusesSession(jar, { prompt: 'login' }), false);
    assert.equal(await reusesSession(jar, { max_age: '0' }), false);
    assert.equal(await reusesSession(jar, { acr_values: MFA_ACR }), false);
    // Asked for MFA, a user without a factor sets one up, with no way to postpone it.
    const flow = await passwordStep(server, user.username, { jar, extraParams: { acr_values: MFA_ACR } });
    assert.ok(onStep(flow, '/mfa-setup'));
    assert.doesNotMatch(flow.page!.html, /Not now/);
    const setup = await confirmSetup(flow);
    const claims = (await redeemCode(await submitForm(setup.flow, {}))).claims()!;
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
    assert.equal(claims.acr, MFA_ACR);
    assert.equal(await reusesSession(jar, { acr_values: MFA_ACR }), true, 'now the session has a second factor');
  });

  it('a session without a second factor is not reused once the org forces MFA', async () => {
    const user = await orgWithUser(server, admin, {});
    const jar = new CookieJar();
    await login(user.username, jar, null);
    assert.equal(
      (await call(server, admin, 'PUT', `/orgs/${user.orgId}/login-policy`, { forceMfa: true })).status,
      200,
    );
    assert.equal(await reusesSession(jar), false);
  });

  it('passwordCheckLifetime and secondFactorCheckLifetime end the reuse', async () => {
    const pwd = await orgWithUser(server, admin, { passwordCheckLifetime: 1 });
    const pwdJar = new CookieJar();
    await login(pwd.username, pwdJar, null);
    const mfa = await orgWithUser(server, admin, { forceMfa: true, secondFactorCheckLifetime: 1 });
    const mfaJar = new CookieJar();
    await login(mfa.username, mfaJar, null);
    assert.equal(await reusesSession(mfaJar), true, 'within the lifetime');
    await sleep(2100);
    assert.equal(await reusesSession(pwdJar), false, 'the password check is too old');
    assert.equal(await reusesSession(mfaJar), false, 'the second factor check is too old');
  });
});
