import { LoginAttempt } from '../models/login-attempt.ts';

export interface AttemptReservation {
  /** False once the user has used up the policy's attempts: refuse without checking the password. */
  allowed: boolean;
  attempts: number;
}

/**
 * Reserves one password attempt before the password is checked, so that parallel guesses cannot
 * exceed the lockout policy: each guess inserts its record first, and only the first `maxAttempts`
 * records get their password checked. `maxAttempts` 0 means no lockout.
 */
export async function reservePasswordAttempt(
  instanceId: string,
  userId: string,
  maxAttempts: number,
): Promise<AttemptReservation> {
  if (maxAttempts <= 0) return { allowed: true, attempts: 0 };
  await LoginAttempt.create({ instanceId, userId });
  // The k-th insert to land sees at least k records here, so at most `maxAttempts` guesses pass, however
  // many run in parallel (some parallel ones may be refused early, which errs on the safe side).
  const attempts = await LoginAttempt.countDocuments({ instanceId, userId });
  return { allowed: attempts <= maxAttempts, attempts };
}

/** A successful login (or an admin unlock) forgets the failed attempts. */
export async function clearPasswordAttempts(instanceId: string, userId: string): Promise<void> {
  await LoginAttempt.deleteMany({ instanceId, userId });
}

export async function countPasswordAttempts(instanceId: string, userId: string): Promise<number> {
  return LoginAttempt.countDocuments({ instanceId, userId });
}
