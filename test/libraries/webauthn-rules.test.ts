import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultLoginPolicy } from '../../src/domain/rules/login-policy.ts';
import { emptyProgress, nextStep } from '../../src/domain/rules/login-steps.ts';
import { amrOf, sessionSatisfies, usableSecondFactors } from '../../src/domain/rules/mfa.ts';
import {
  passkeyLoginAllowed,
  relyingPartyOf,
  secondFactorAllowed,
  signCountVerdict,
  userVerificationFor,
} from '../../src/domain/rules/webauthn.ts';

const key = { type: 'webauthn', state: 'active' };
const withKeys = { ...defaultLoginPolicy, secondFactors: [...defaultLoginPolicy.secondFactors, 'u2f' as const] };
const passwordless = {
  ...defaultLoginPolicy,
  passwordlessType: 'allowed' as const,
  multiFactors: ['u2f_with_verification' as const],
};

describe('WebAuthn signature counters (WebAuthn §6.1.1)', () => {
  it('an authenticator without a counter sends 0 every time, and that is accepted', () => {
    assert.equal(signCountVerdict(0, 0), 'no-counter');
  });
  it('a counter must advance; the same or a lower value (a cloned key, a replay) is refused', () => {
    assert.equal(signCountVerdict(0, 1), 'advanced');
    assert.equal(signCountVerdict(5, 6), 'advanced');
    assert.equal(signCountVerdict(5, 5), 'refused');
    assert.equal(signCountVerdict(5, 4), 'refused');
    assert.equal(signCountVerdict(5, 0), 'refused', 'a key that kept a counter cannot drop it');
  });
});

describe('WebAuthn and the login policy', () => {
  it("a credential is a second factor only where secondFactors name ZITADEL's u2f", () => {
    assert.equal(secondFactorAllowed(defaultLoginPolicy, 'webauthn'), false);
    assert.equal(secondFactorAllowed(withKeys, 'webauthn'), true);
    assert.equal(secondFactorAllowed(withKeys, 'totp'), true);
    assert.equal(secondFactorAllowed(withKeys, 'otp_email'), false);
    assert.deepEqual(usableSecondFactors(defaultLoginPolicy, [key]), []);
    assert.deepEqual(usableSecondFactors(withKeys, [key, { type: 'webauthn', state: 'pending' }]), ['webauthn']);
  });
  it('a passkey alone logs in only with passwordlessType allowed and multiFactors naming u2f_with_verification', () => {
    assert.equal(passkeyLoginAllowed(defaultLoginPolicy), false);
    assert.equal(passkeyLoginAllowed(passwordless), true);
    assert.equal(passkeyLoginAllowed({ ...passwordless, multiFactors: [] }), false);
    assert.equal(passkeyLoginAllowed({ ...passwordless, passwordlessType: 'not_allowed' }), false);
  });
  it('a passkey login needs user verification, a second factor only presence', () => {
    assert.equal(userVerificationFor('passwordless'), 'required');
    assert.equal(userVerificationFor('second-factor'), 'discouraged');
  });
  it("the relying party is the issuer's host and origin, whatever host a request used", () => {
    assert.deepEqual(relyingPartyOf('https://login.example.com:8443/'), {
      rpID: 'login.example.com',
      origin: 'https://login.example.com:8443',
    });
  });
});

describe('WebAuthn in the login', () => {
  it('amr: hwk after a password is two factors; a passkey is user + hwk, two factors too (RFC 8176)', () => {
    assert.deepEqual(amrOf(['pwd', 'hwk']), ['pwd', 'hwk', 'mfa']);
    assert.deepEqual(amrOf(['user', 'hwk']), ['user', 'hwk', 'mfa']);
  });
  it('a security key completes the second-factor step; a passkey stands for password and second factor', () => {
    const afterPassword = { ...emptyProgress(), userId: 'u', loginName: 'u', amr: ['pwd' as const] };
    assert.equal(nextStep(withKeys, { ...afterPassword, secondFactor: 'check' }), 'mfa');
    assert.equal(nextStep(withKeys, { ...afterPassword, amr: ['pwd', 'hwk'], secondFactor: 'check' }), 'authenticated');
    const passkey = { ...emptyProgress(), userId: 'u', loginName: 'u', amr: ['user' as const, 'hwk' as const] };
    assert.equal(nextStep(passwordless, passkey), 'authenticated');
  });
  it('a passkey session is reused within multiFactorCheckLifetime', () => {
    const session = { amr: ['user', 'hwk', 'mfa'], authTime: 1000, requestAsksForMfa: true };
    const policy = { ...passwordless, forceMfa: true, multiFactorCheckLifetime: 60, secondFactorCheckLifetime: 10 };
    const situation = { ...session, policy, hasUsableSecondFactor: null };
    assert.equal(sessionSatisfies({ ...situation, now: 1050 }), true);
    assert.equal(sessionSatisfies({ ...situation, now: 1061 }), false);
  });
});
