import { totpStep, totpStepAcceptedUntil, totpStepsBefore } from '../platform/one-time-codes.ts';
import { User } from '../store/models/index.ts';
import type { FactorType, UserFactorDocument } from '../store/models/user-factor.ts';
import { findScoped } from '../store/queries/scoped.ts';
import { newEvent, recordEvent, type NewEvent, type RequestOrigin } from '../store/queries/events.ts';
import { clearAttempts, reserveAttempt } from '../store/queries/login-attempts.ts';
import { findLoginFactors, markFactorUse, markFactorUses, pullRecoveryCode } from '../store/queries/user-factors.ts';
import { openTotpSecret, recoveryCodeHash, type FactorOwner } from './commands/user-factors.ts';
import type { CodeServices } from './codes.ts';
import { checkEmailOtp } from './email-otp.ts';
import { lockUser } from './lockout.ts';
import type { LoginPolicy, SecondFactorType } from './rules/login-policy.ts';
import {
  acrValuesAskForMfa,
  secondFactorStep,
  sessionSatisfies,
  usableSecondFactors,
  type SecondFactorStep,
} from './rules/mfa.ts';
import { secondFactorAllowed } from './rules/webauthn.ts';
import { policyOf, type LoginInstance } from './login.ts';
import { findActiveAccount } from '../store/queries/accounts.ts';

/**
 * A check's outcome. A success's audit event is built, not recorded: the caller records it, with the login's success
 * where the check finishes a login (domain/login-audit.ts recordLogin), in one insert.
 */
export type SecondFactorResult =
  { outcome: 'ok'; factorType: FactorType; audit: NewEvent } | { outcome: 'wrong' } | { outcome: 'locked' };

const TOTP_CODE = /^\d{6}$/;

/** The factor a code is for, and whether it matched (and was not used before). */
async function matchCode(
  instanceId: string,
  userId: string,
  factors: readonly UserFactorDocument[],
  code: string,
  services: CodeServices,
): Promise<UserFactorDocument | null> {
  const { masterKey } = services;
  if (TOTP_CODE.test(code)) {
    for (const factor of factors) {
      if (factor.type !== 'totp' || !factor.totp) continue;
      const step = totpStep(openTotpSecret(masterKey, factor.totp.sealedSecret), code);
      // One step is accepted once (its marker). The earlier steps whose codes are still accepted are marked in the same
      // insert: their codes are replays from now on (totpStepsBefore), with no read, and no write moving `lastUsedStep`
      // on (set up by enrollment, it still refuses the codes of the steps before it).
      if (step === null || step <= factor.totp.lastUsedStep) continue;
      const steps = [...totpStepsBefore(step), step];
      const marked = await markFactorUses(
        instanceId,
        factor._id,
        steps.map((each) => ({ use: String(each), expiresAt: totpStepAcceptedUntil(each) })),
      );
      if (!marked.at(-1)) continue;
      return factor;
    }
    // Emailed codes have six digits as well (domain/codes.ts); only the newest one sent counts.
    const byEmail = factors.find((factor) => factor.type === 'otp_email');
    return byEmail && (await checkEmailOtp(services, instanceId, userId, code)) ? byEmail : null;
  }
  const hash = recoveryCodeHash(masterKey, code);
  for (const factor of factors) {
    if (factor.type !== 'recovery_codes' || !factor.recoveryCodes?.codeHashes.includes(hash)) continue;
    if (!(await markFactorUse(instanceId, factor._id, hash))) continue;
    await pullRecoveryCode(instanceId, factor._id, hash);
    return factor;
  }
  return null;
}

/**
 * Checks a second factor's code (a TOTP code, an emailed code or a recovery code) against the user's factors of the
 * `allowed` types, under the lockout policy's `maxOtpAttempts`, counted as passwords are (domain/login.ts): every
 * attempt is reserved before it is checked, so parallel guesses run at most the allowed checks, and the last failed
 * one locks the user.
 * Every outcome is an audit event (a success's is the caller's to record, SecondFactorResult).
 */
export async function verifySecondFactor(
  instanceId: string,
  user: FactorOwner,
  code: string,
  options: {
    allowed: readonly SecondFactorType[];
    maxAttempts: number;
    services: CodeServices;
    origin?: RequestOrigin;
  },
): Promise<SecondFactorResult> {
  const { maxAttempts, origin } = options;
  const reservation = await reserveAttempt(instanceId, user._id, 'otp', maxAttempts);
  if (!reservation.allowed) {
    await lockUser(instanceId, user, { failedOtpAttempts: reservation.attempts }, origin);
    return { outcome: 'locked' };
  }
  const factors = (await findLoginFactors(instanceId, user._id)).filter((factor) =>
    secondFactorAllowed({ secondFactors: [...options.allowed] }, factor.type),
  );
  const matched = await matchCode(instanceId, user._id, factors, code.trim(), options.services);
  const event = { instanceId, orgId: user.orgId, actorId: user._id, resourceType: 'user', resourceId: user._id };
  if (matched) {
    if (maxAttempts > 0) {
      await clearAttempts(instanceId, user._id, 'otp');
      // Parallel wrong codes may have locked the user while this one was checked (as for passwords, domain/login.ts).
      const current = await findScoped(User, instanceId, user._id, {}, { state: 1 });
      if (current?.state !== 'active') return { outcome: 'locked' };
    }
    const audit = newEvent({
      ...event,
      type: 'user.mfa.check.succeeded',
      payload: { factorId: matched._id, factorType: matched.type, ...origin },
    });
    return { outcome: 'ok', factorType: matched.type, audit };
  }
  await recordEvent({ ...event, type: 'user.mfa.check.failed', payload: { ...origin } });
  if (maxAttempts > 0 && reservation.attempts >= maxAttempts) {
    await lockUser(instanceId, user, { failedOtpAttempts: reservation.attempts }, origin);
    return { outcome: 'locked' };
  }
  return { outcome: 'wrong' };
}

/** What the login asks of `user` after the password (rules/mfa.ts), from their factors and the request. */
export async function secondFactorStepOf(
  instanceId: string,
  user: { _id: string; human?: { mfaInitSkippedAt?: Date | null; emailVerified?: boolean | null } | null },
  policy: LoginPolicy,
  acrValues: unknown,
): Promise<SecondFactorStep> {
  return secondFactorStep({
    policy,
    factors: await findLoginFactors(instanceId, user._id),
    requestAsksForMfa: acrValuesAskForMfa(acrValues),
    mfaInitSkippedAt: user.human?.mfaInitSkippedAt ?? null,
    emailVerified: user.human?.emailVerified === true,
    now: new Date(),
  });
}

/** What a browser session says of its login: its `amr` and when the user authenticated (seconds since the epoch). */
export interface SessionAuthentication {
  amr: readonly string[] | undefined;
  authTime: number | undefined;
}

/**
 * Whether a browser session of `accountId` is strong and fresh enough for a new authorization request under the
 * policy of the user's org (rules/mfa.ts `sessionSatisfies`). A user that cannot log in at all is the login
 * requirements' concern (domain/login.ts `sessionNeedsFreshLogin`).
 */
export async function sessionMeetsLoginPolicy(
  instance: LoginInstance,
  accountId: string,
  session: SessionAuthentication,
  acrValues: unknown,
): Promise<boolean> {
  const account = await findActiveAccount(instance._id, accountId);
  if (!account) return true;
  const policy = policyOf(instance, account.org);
  const amr = session.amr ?? [];
  // A session that used a second factor needs no look-up of the user's factors.
  const hasUsableSecondFactor = amr.includes('mfa')
    ? null
    : usableSecondFactors(policy, await findLoginFactors(instance._id, accountId)).length > 0;
  return sessionSatisfies({
    policy,
    amr,
    authTime: session.authTime ?? 0,
    now: Math.floor(Date.now() / 1000),
    requestAsksForMfa: acrValuesAskForMfa(acrValues),
    hasUsableSecondFactor,
  });
}
