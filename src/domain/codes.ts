import { randomInt } from 'node:crypto';
import type { Config } from '../platform/config.ts';
import { randomSecret, secretHash, secretMatches, type MasterKey } from '../platform/crypto.ts';
import type { CodePurpose, VerificationCodeDocument } from '../store/models/verification-code.ts';
import { storedRateLimits } from '../store/queries/instance-settings.ts';
import { countRateLimitHits, forgetRateLimitHits } from '../store/queries/rate-limit-hits.ts';
import { consumeCode, newestCode, replaceCode } from '../store/queries/verification-codes.ts';
import { invalidField, throttled } from './errors.ts';

/**
 * One-time codes sent by email (issue 16): random, single-use, short-lived, stored as a keyed hash bound to the user,
 * the purpose and the address, superseded by a newer one. A code typed by a person (email verification, email OTP) is
 * short; one that only travels in a link (password reset, invitation) is a 192-bit secret. Checking one is counted
 * per user before it is checked (the `codeFailuresPerUser` throttle), so parallel guesses run at most the limit.
 */
export interface CodeServices {
  config: Config;
  masterKey: MasterKey;
}

/** No 0/O, 1/I: a code read from an email and typed. */
const TYPED_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function newCode(purpose: CodePurpose): string {
  if (purpose === 'emailOtp') return String(randomInt(0, 1_000_000)).padStart(6, '0');
  if (purpose === 'emailVerification')
    return Array.from({ length: 8 }, () => TYPED_ALPHABET[randomInt(TYPED_ALPHABET.length)]).join('');
  return randomSecret(24);
}

function normalized(purpose: CodePurpose, code: string): string {
  return purpose === 'emailVerification' ? code.trim().toUpperCase() : code.trim();
}

export function codeLifetimeSeconds(config: Config, purpose: CodePurpose): number {
  const lifetimes = config.codeLifetimes;
  return {
    emailVerification: lifetimes.emailVerificationSeconds,
    passwordReset: lifetimes.passwordResetSeconds,
    invitation: lifetimes.invitationSeconds,
    emailOtp: lifetimes.emailOtpSeconds,
  }[purpose];
}

/** What is hashed: the code bound to its user and purpose. */
function boundCode(userId: string, purpose: CodePurpose, code: string): string {
  return `${purpose}\0${userId}\0${normalized(purpose, code)}`;
}

const hashKey = (services: CodeServices) => services.masterKey.hmacKey('one-time-codes');

/** A new code for the user and purpose, sent to `email`; the user's older codes for the purpose stop counting. */
export async function issueCode(
  services: CodeServices,
  instanceId: string,
  user: { _id: string },
  purpose: CodePurpose,
  email: string,
): Promise<{ code: string; validSeconds: number }> {
  const code = newCode(purpose);
  const validSeconds = codeLifetimeSeconds(services.config, purpose);
  await replaceCode({
    instanceId,
    userId: user._id,
    purpose,
    codeHash: secretHash(hashKey(services), boundCode(user._id, purpose, code)),
    email,
    expiresAt: new Date(Date.now() + validSeconds * 1000),
  });
  return { code, validSeconds };
}

/** Compared against when the user has no code, so a miss costs what a wrong code costs. */
const NO_CODE_HASH = 'x'.repeat(43);

/**
 * Uses up the user's code for the purpose, sent to `email`: the stored code, or a refusal (400 `code`) that changes
 * nothing but the throttle's count. Expired, used, superseded, another user's or purpose's, or sent to an address the
 * user no longer has: all are the same "wrong code".
 */
export async function useCode(
  services: CodeServices,
  instanceId: string,
  userId: string,
  purpose: CodePurpose,
  email: string,
  code: string,
): Promise<VerificationCodeDocument> {
  const rule =
    (await storedRateLimits(instanceId)).codeFailuresPerUser ?? services.config.rateLimits.codeFailuresPerUser;
  const [hit] =
    rule.max > 0
      ? await countRateLimitHits(instanceId, [
          { limit: 'codeFailuresPerUser', rawKey: userId, windowSeconds: rule.windowSeconds },
        ])
      : [null];
  if (hit && hit.count > rule.max) {
    await forgetRateLimitHits([hit.id]);
    throw throttled('too many wrong codes for this user; try again later', rule.windowSeconds);
  }
  const stored = await consumeMatchingCode(services, instanceId, userId, purpose, email, code);
  if (!stored) throw invalidField('code', 'the code is wrong, expired or used');
  if (hit) await forgetRateLimitHits([hit.id]);
  return stored;
}

/**
 * Uses up the user's code for the purpose if `code` is it (newest, unexpired, sent to `email`, not used): the stored
 * code, or null. The caller counts the attempt (the `codeFailuresPerUser` throttle above, or the login's lockout).
 */
export async function consumeMatchingCode(
  services: CodeServices,
  instanceId: string,
  userId: string,
  purpose: CodePurpose,
  email: string,
  code: string,
): Promise<VerificationCodeDocument | null> {
  const stored = await newestCode(instanceId, userId, purpose);
  const matches = secretMatches(hashKey(services), boundCode(userId, purpose, code), stored?.codeHash ?? NO_CODE_HASH);
  const usable = stored && matches && stored.expiresAt.getTime() > Date.now() && stored.email === email;
  return usable && (await consumeCode(stored)) ? stored : null;
}

/** When the user's newest code for the purpose was issued, or null when they have none. */
export async function newestCodeIssuedAt(
  services: CodeServices,
  instanceId: string,
  userId: string,
  purpose: CodePurpose,
): Promise<Date | null> {
  const stored = await newestCode(instanceId, userId, purpose);
  if (!stored) return null;
  return new Date(stored.expiresAt.getTime() - codeLifetimeSeconds(services.config, purpose) * 1000);
}
