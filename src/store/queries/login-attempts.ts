import { LoginAttempt, type AttemptKind } from '../models/login-attempt.ts';
import { WriteLock } from '../models/write-lock.ts';
import { isDuplicateKeyError } from './array-rewrite.ts';

export interface AttemptReservation {
  /** False once the user has used up the policy's attempts: refuse without checking the secret. */
  allowed: boolean;
  attempts: number;
}

/**
 * Reserves one attempt of a kind (a password, or a one-time code: ZITADEL counts `maxPasswordAttempts` and
 * `maxOtpAttempts` apart) before the secret is checked, so that parallel guesses cannot exceed the lockout policy:
 * each guess inserts its record first, and only the first `maxAttempts` records get their secret checked.
 * `maxAttempts` 0 means no lockout.
 */
export async function reserveAttempt(
  instanceId: string,
  userId: string,
  kind: AttemptKind,
  maxAttempts: number,
): Promise<AttemptReservation> {
  if (maxAttempts <= 0) return { allowed: true, attempts: 0 };
  await LoginAttempt.create({ instanceId, userId, kind });
  // The k-th insert to land sees at least k records here, so at most `maxAttempts` guesses pass, however
  // many run in parallel (some parallel ones may be refused early, which errs on the safe side).
  const attempts = await LoginAttempt.countDocuments({ instanceId, userId, kind });
  return { allowed: attempts <= maxAttempts, attempts };
}

export function reservePasswordAttempt(
  instanceId: string,
  userId: string,
  maxAttempts: number,
): Promise<AttemptReservation> {
  return reserveAttempt(instanceId, userId, 'password', maxAttempts);
}

/** A successful check of a kind forgets that kind's failed attempts. */
export async function clearAttempts(instanceId: string, userId: string, kind: AttemptKind): Promise<void> {
  await LoginAttempt.deleteMany({ instanceId, userId, kind });
}

export function clearPasswordAttempts(instanceId: string, userId: string): Promise<void> {
  return clearAttempts(instanceId, userId, 'password');
}

/** An admin's unlock forgets every failed attempt, of passwords and of one-time codes. */
export async function clearAllAttempts(instanceId: string, userId: string): Promise<void> {
  await LoginAttempt.deleteMany({ instanceId, userId });
}

export async function countPasswordAttempts(instanceId: string, userId: string): Promise<number> {
  return LoginAttempt.countDocuments({ instanceId, userId, kind: 'password' });
}

/** How long a lockout's marker is kept: longer than any parallel burst of attempts that ends in one lock. */
const LOCKOUT_MARKER_SECONDS = 24 * 3600;

/**
 * True for exactly one of the parallel callers that lock a user for the attempts of `kind` now counted: the one whose
 * marker insert for this run of attempts (named by its oldest record, which they all see) lands first. A conditional
 * update cannot decide it: FerretDB v1 lets concurrent ones both match (docs/portable-mongodb.md, "Writes").
 */
export async function claimLockout(instanceId: string, userId: string, kind: AttemptKind): Promise<boolean> {
  const oldest = await LoginAttempt.findOne({ instanceId, userId, kind }, { _id: 1 }).sort({ _id: 1 }).lean();
  if (!oldest) return true;
  try {
    await WriteLock.create({
      _id: `lockout:${String(oldest._id)}`,
      holder: userId,
      expiresAt: new Date(Date.now() + LOCKOUT_MARKER_SECONDS * 1000),
    });
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}
