import type { LoginPolicyOverride, SecondFactorType } from './login-policy.ts';

/**
 * The second factors the login offers (`u2f`: a WebAuthn security key or passkey, domain/webauthn.ts; `otp_email`:
 * codes by email, domain/email-otp.ts); codes by SMS need an SMS provider Castellan does not have.
 */
export const SUPPORTED_SECOND_FACTORS: readonly SecondFactorType[] = ['totp', 'recovery_codes', 'u2f', 'otp_email'];

export interface UnsupportedSetting {
  field: string;
  message: string;
}

/**
 * The settings of a policy override the login cannot honour yet (issue 15: every field is honoured by the login or
 * refused by the API, never silently ignored). Each entry names the value that would need a feature Castellan does
 * not have; the other value of the field is what the login does today.
 */
export function unsupportedPolicySettings(policy: LoginPolicyOverride): UnsupportedSetting[] {
  const refused: UnsupportedSetting[] = [];
  const refuse = (field: string, message: string) => refused.push({ field, message });
  const secondFactors = policy.secondFactors ?? [];
  const unavailable = secondFactors.filter((type) => !SUPPORTED_SECOND_FACTORS.includes(type));
  if (unavailable.length)
    refuse('secondFactors', `not available yet: ${unavailable.join(', ')}; available: ${SUPPORTED_SECOND_FACTORS}`);
  return refused;
}
