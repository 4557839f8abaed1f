import type { LoginPolicy, SecondFactorType } from './login-policy.ts';

/**
 * The relying party of an instance's WebAuthn credentials: its RP ID is the issuer's host name and the origin the
 * issuer's origin (https://www.w3.org/TR/webauthn-3/#rp-id), so a credential works on the instance's login pages
 * only, whatever Host header a request came with.
 */
export function relyingPartyOf(issuer: string): { rpID: string; origin: string } {
  const url = new URL(issuer);
  return { rpID: url.hostname, origin: url.origin };
}

/**
 * What an assertion's signature counter says (WebAuthn §6.1.1, §7.2 step 22): authenticators that keep no counter
 * (most synced passkeys) send 0 every time; one that keeps one must send more than the last value seen, else the
 * credential may have been cloned, and the assertion is refused.
 */
export type SignCountVerdict = 'no-counter' | 'advanced' | 'refused';

export function signCountVerdict(stored: number, received: number): SignCountVerdict {
  if (stored === 0 && received === 0) return 'no-counter';
  return received > stored ? 'advanced' : 'refused';
}

/**
 * The login policy's name for a kind of factor: ZITADEL's `secondFactors` calls WebAuthn as a second factor `u2f`
 * (SECOND_FACTOR_TYPE_U2F), its `multiFactors` calls a passkey `u2f_with_verification`.
 */
const POLICY_VALUE_OF_FACTOR: Record<string, SecondFactorType> = {
  totp: 'totp',
  recovery_codes: 'recovery_codes',
  webauthn: 'u2f',
  otp_email: 'otp_email',
};

/** Whether the policy's `secondFactors` allow a factor of this type as a second factor. */
export function secondFactorAllowed(policy: Pick<LoginPolicy, 'secondFactors'>, factorType: string): boolean {
  const value = POLICY_VALUE_OF_FACTOR[factorType];
  return value !== undefined && policy.secondFactors.includes(value);
}

/**
 * Whether a passkey alone may log in: the policy's `passwordlessType` is `allowed` (ZITADEL's
 * PASSWORDLESS_TYPE_ALLOWED) and its `multiFactors` name the one kind of passwordless authenticator there is,
 * `u2f_with_verification` (a WebAuthn credential whose authenticator verifies the user), as ZITADEL's instance
 * default does. A passkey login verifies the user, so it is multi-factor by itself (RFC 8176 `hwk` + `user`).
 */
export function passkeyLoginAllowed(policy: Pick<LoginPolicy, 'passwordlessType' | 'multiFactors'>): boolean {
  return policy.passwordlessType === 'allowed' && policy.multiFactors.includes('u2f_with_verification');
}

/** The user verification a ceremony asks for: a passkey login needs it, a second factor only presence. */
export function userVerificationFor(purpose: 'second-factor' | 'passwordless'): 'required' | 'discouraged' {
  return purpose === 'passwordless' ? 'required' : 'discouraged';
}
