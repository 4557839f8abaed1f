import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultLoginPolicy, effectiveLoginPolicy } from '../../src/domain/rules/login-policy.ts';
import { unsupportedPolicySettings } from '../../src/domain/rules/login-policy-support.ts';
import { emptyProgress, nextStep, stepReachable } from '../../src/domain/rules/login-steps.ts';
import {
  acrOf,
  acrValuesAskForMfa,
  amrOf,
  enrollableSecondFactors,
  MFA_ACR,
  secondFactorStep,
  sessionSatisfies,
  SINGLE_FACTOR_ACR,
  usableSecondFactors,
  type SecondFactorSituation,
  type SessionSituation,
} from '../../src/domain/rules/mfa.ts';

const totp = { type: 'totp', state: 'active' };
const pendingTotp = { type: 'totp', state: 'pending' };
const recovery = { type: 'recovery_codes', state: 'active' };

describe('amr and acr', () => {
  it('amr lists each method once and adds mfa for two kinds (RFC 8176, ZITADEL amr.go)', () => {
    assert.deepEqual(amrOf(['pwd']), ['pwd']);
    assert.deepEqual(amrOf(['pwd', 'otp']), ['pwd', 'otp', 'mfa']);
    assert.deepEqual(amrOf(['pwd', 'pwd']), ['pwd']);
  });
  it('acr_values ask for MFA with the PAPE multi-factor URI or the Okta 2fa alias, among other values', () => {
    assert.equal(acrValuesAskForMfa(`urn:other ${MFA_ACR}`), true);
    assert.equal(acrValuesAskForMfa('urn:okta:loa:2fa:any'), true);
    assert.equal(acrValuesAskForMfa('0 1'), false);
    assert.equal(acrValuesAskForMfa(undefined), false);
    assert.equal(acrOf(['pwd', 'otp', 'mfa']), MFA_ACR);
    assert.equal(acrOf(['pwd']), SINGLE_FACTOR_ACR);
  });
});

describe('which second factor step a login takes', () => {
  const situation = (over: Partial<SecondFactorSituation>): SecondFactorSituation => ({
    policy: defaultLoginPolicy,
    factors: [],
    requestAsksForMfa: false,
    mfaInitSkippedAt: null,
    emailVerified: false,
    now: new Date('2026-11-29T12:00:00Z'),
    ...over,
  });
  const forced = effectiveLoginPolicy({ forceMfa: true }, null);

  it('a user with a usable factor is always asked for it; a pending one does not count', () => {
    assert.equal(secondFactorStep(situation({ factors: [totp] })), 'check');
    assert.equal(secondFactorStep(situation({ factors: [pendingTotp] })), 'none');
    assert.equal(secondFactorStep(situation({ factors: [pendingTotp], policy: forced })), 'enroll-skippable');
  });
  it('only factor types the policy allows are usable', () => {
    const recoveryOnly = effectiveLoginPolicy({ secondFactors: ['recovery_codes'] }, null);
    assert.deepEqual(usableSecondFactors(recoveryOnly, [totp, recovery]), ['recovery_codes']);
    assert.equal(secondFactorStep(situation({ policy: recoveryOnly, factors: [totp] })), 'none');
    assert.equal(
      secondFactorStep(situation({ policy: { ...recoveryOnly, forceMfa: true }, factors: [totp] })),
      'impossible',
    );
  });
  it('forced MFA sets up an authenticator app or a security key, whichever the policy allows', () => {
    const keysOnly = effectiveLoginPolicy({ forceMfa: true, secondFactors: ['u2f'], mfaInitSkipLifetime: 0 }, null);
    assert.equal(secondFactorStep(situation({ policy: keysOnly })), 'enroll');
    assert.deepEqual(enrollableSecondFactors(keysOnly, true), ['u2f']);
    assert.deepEqual(enrollableSecondFactors(forced, true), ['totp']);
  });
  it('forced MFA sets up codes by email where the policy allows them, for a user with a verified address', () => {
    const all = effectiveLoginPolicy({ secondFactors: ['otp_email', 'u2f', 'totp'] }, null);
    assert.deepEqual(enrollableSecondFactors(all, true), ['totp', 'u2f', 'otp_email']);
    assert.deepEqual(enrollableSecondFactors(all, false), ['totp', 'u2f'], 'no verified address: no codes by email');
    const emailOnly = effectiveLoginPolicy({ forceMfa: true, secondFactors: ['otp_email'] }, null);
    assert.equal(secondFactorStep(situation({ policy: emailOnly, emailVerified: true })), 'enroll-skippable');
    assert.equal(secondFactorStep(situation({ policy: emailOnly })), 'impossible');
  });
  it('forced MFA: set-up, postponable within mfaInitSkipLifetime from the first postponement; 0 never', () => {
    const skipped = new Date('2026-11-29T11:00:00Z');
    assert.equal(secondFactorStep(situation({ policy: forced, mfaInitSkippedAt: skipped })), 'enroll-skippable');
    const short = { ...forced, mfaInitSkipLifetime: 3600 };
    assert.equal(secondFactorStep(situation({ policy: short, mfaInitSkippedAt: skipped })), 'enroll');
    assert.equal(secondFactorStep(situation({ policy: { ...forced, mfaInitSkipLifetime: 0 } })), 'enroll');
  });
  it('a request asking for MFA cannot be answered without it, policy or not', () => {
    assert.equal(secondFactorStep(situation({ requestAsksForMfa: true })), 'enroll');
    assert.equal(secondFactorStep(situation({ requestAsksForMfa: true, factors: [recovery] })), 'check');
  });
});

describe('whether a session satisfies a new request', () => {
  const now = 1_000_000;
  const session = (over: Partial<SessionSituation>): SessionSituation => ({
    policy: defaultLoginPolicy,
    amr: ['pwd'],
    authTime: now - 60,
    now,
    requestAsksForMfa: false,
    hasUsableSecondFactor: false,
    ...over,
  });
  it('a password session within passwordCheckLifetime, when no second factor is due', () => {
    assert.equal(sessionSatisfies(session({})), true);
    assert.equal(sessionSatisfies(session({ policy: { ...defaultLoginPolicy, passwordCheckLifetime: 59 } })), false);
    assert.equal(sessionSatisfies(session({ requestAsksForMfa: true })), false);
    assert.equal(sessionSatisfies(session({ hasUsableSecondFactor: true })), false);
    assert.equal(sessionSatisfies(session({ policy: { ...defaultLoginPolicy, forceMfa: true } })), false);
  });
  it('a multi-factor session within secondFactorCheckLifetime', () => {
    const mfa = { amr: ['pwd', 'otp', 'mfa'], hasUsableSecondFactor: null };
    assert.equal(sessionSatisfies(session({ ...mfa, requestAsksForMfa: true })), true);
    const short = { ...defaultLoginPolicy, forceMfa: true, secondFactorCheckLifetime: 30 };
    assert.equal(sessionSatisfies(session({ ...mfa, policy: short })), false);
  });
});

describe('login steps with a second factor', () => {
  const policy = defaultLoginPolicy;
  const afterPassword = { ...emptyProgress(), userId: 'u', loginName: 'u', amr: ['pwd' as const] };
  it('the code or set-up step follows the password, and cannot be skipped by URL', () => {
    assert.equal(nextStep(policy, { ...afterPassword, secondFactor: 'check' }), 'mfa');
    assert.equal(nextStep(policy, { ...afterPassword, secondFactor: 'check', amr: ['pwd', 'otp'] }), 'authenticated');
    assert.equal(nextStep(policy, { ...afterPassword, secondFactor: 'enroll' }), 'mfa-setup');
    assert.equal(nextStep(policy, { ...afterPassword, secondFactor: 'enroll', mfaSetupPostponed: true }), 'mfa-setup');
    const enrolledKey = { ...afterPassword, secondFactor: 'enroll' as const, amr: ['pwd' as const, 'hwk' as const] };
    assert.equal(nextStep(policy, enrolledKey), 'authenticated', 'a security key set up is the second factor');
    const postponed = { ...afterPassword, secondFactor: 'enroll-skippable' as const, mfaSetupPostponed: true };
    assert.equal(nextStep(policy, postponed), 'authenticated');
    assert.equal(nextStep(policy, { ...afterPassword, secondFactor: 'impossible' }), 'no-second-factor');
    assert.equal(nextStep(policy, { ...afterPassword, secondFactor: 'none' }), 'authenticated');
    assert.equal(stepReachable('mfa', policy, { ...emptyProgress(), userId: 'u', loginName: 'u' }), false);
  });
});

describe('policy values the login cannot honour yet', () => {
  it('are named; the values it honours are not', () => {
    const fields = unsupportedPolicySettings({
      allowExternalIdp: true,
      secondFactors: ['totp', 'otp_sms'],
    }).map((setting) => setting.field);
    assert.deepEqual(fields, ['secondFactors'], 'external IdPs are honoured (issue 17)');
    const honoured = {
      passwordlessType: 'allowed' as const,
      allowRegister: false,
      allowExternalIdp: false,
      hidePasswordReset: false,
      secondFactors: ['totp' as const, 'recovery_codes' as const, 'u2f' as const],
      multiFactors: ['u2f_with_verification' as const],
    };
    assert.deepEqual(unsupportedPolicySettings(honoured), []);
    assert.deepEqual(unsupportedPolicySettings(defaultLoginPolicy), [], 'the defaults are honoured');
  });
});
