import { User } from '../store/models/index.ts';
import { endBrowserLoginsOfUser } from '../store/queries/browser-logins.ts';
import { claimLockout } from '../store/queries/login-attempts.ts';
import { recordEvent, SYSTEM_ACTOR, type RequestOrigin } from '../store/queries/events.ts';

/**
 * Locks a user who used up the lockout policy's attempts (of passwords or of one-time codes): only an admin's unlock
 * (reactivation) lets them in again. `attempts` says which attempts, for the audit event.
 */
export async function lockUser(
  instanceId: string,
  user: { _id: string; orgId: string },
  attempts: { failedPasswordAttempts: number } | { failedOtpAttempts: number },
  origin?: RequestOrigin,
): Promise<void> {
  // The write publishes the instance's cache revision itself (store/cache/invalidate-on-write.ts), and only when it
  // matched: attempts on a user already locked change nothing and invalidate nothing.
  const locked = await User.updateOne({ instanceId, _id: user._id, state: 'active' }, { $set: { state: 'locked' } });
  // One event per lockout, also when parallel attempts all saw the user active (FerretDB v1: see claimLockout).
  const kind = 'failedOtpAttempts' in attempts ? 'otp' : 'password';
  // The logins browsers keep of a locked user end: after an unlock, the user signs in again.
  if (locked.modifiedCount === 1) await endBrowserLoginsOfUser(instanceId, user._id);
  if (locked.modifiedCount === 1 && (await claimLockout(instanceId, user._id, kind))) {
    await recordEvent({
      instanceId,
      orgId: user.orgId,
      actorId: SYSTEM_ACTOR,
      type: 'user.locked',
      resourceType: 'user',
      resourceId: user._id,
      payload: { ...attempts, ...origin },
    });
  }
}
