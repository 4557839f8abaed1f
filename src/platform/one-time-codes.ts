import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/**
 * TOTP as RFC 6238 defines it and every authenticator app implements it (Google Authenticator ignores other
 * parameters): HMAC-SHA1, 6 digits, 30-second steps, 160-bit secrets (RFC 4226 §4 recommends 160 bits).
 */
const TOTP_PARAMETERS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** One step either side of now: clock drift between phone and server (RFC 6238 §5.2). */
const DRIFT_STEPS = 1;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URI an authenticator app reads from the QR code (Google's Key Uri Format). */
export function totpUri(secret: string, issuer: string, account: string): string {
  return new TOTP({ ...TOTP_PARAMETERS, issuer, label: account, secret: Secret.fromBase32(secret) }).toString();
}

/** The time step `code` is valid for (now ± one step), or null. otpauth compares with `crypto.timingSafeEqual`. */
export function totpStep(secret: string, code: string, now = Date.now()): number | null {
  const totp = new TOTP({ ...TOTP_PARAMETERS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: now, window: DRIFT_STEPS });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/** When a step's code stops being accepted (a step later than its own, the drift), with a minute to spare. */
export function totpStepAcceptedUntil(step: number): Date {
  return new Date((step + 1 + DRIFT_STEPS) * TOTP_PARAMETERS.period * 1000 + 60_000);
}

/**
 * The steps before `step` whose codes may still be accepted after `step`'s was: the acceptance windows (the drift on
 * either side of the current step) that hold `step` reach at most twice the drift before it. A code of one of them is
 * a replay once `step`'s was accepted (RFC 6238 §5.2).
 */
export function totpStepsBefore(step: number): number[] {
  return Array.from({ length: 2 * DRIFT_STEPS }, (_, index) => step - 2 * DRIFT_STEPS + index);
}

/** The current code of a secret (tests, and the bench's TOTP login). */
export function totpCode(secret: string, now = Date.now()): string {
  return new TOTP({ ...TOTP_PARAMETERS, secret: Secret.fromBase32(secret) }).generate({ timestamp: now });
}

/** Crockford's base32 alphabet: no I, L, O, U, so a code read aloud or typed from paper is not mistaken. */
const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_CODE_COUNT = 10;

/** A recovery code: 10 characters (50 bits), shown as `XXXXX-XXXXX`. */
export function newRecoveryCode(): string {
  const characters = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
  return `${characters.slice(0, 5).join('')}-${characters.slice(5).join('')}`;
}

/** A typed recovery code in the form it was hashed in: upper case, without separators. */
export function normalizeRecoveryCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '');
}
