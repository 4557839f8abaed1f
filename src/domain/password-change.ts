import type { RequestOrigin } from '../store/queries/events.ts';
import { findUser } from './commands/users.ts';
import { setUserPassword } from './commands/user-credentials.ts';
import type { SessionEnder } from './commands/user-sessions.ts';
import { verifyPasswordUnderLockout, type LoginUser } from './login.ts';
import type { LoginPolicy } from './rules/login-policy.ts';
import { passwordProblems } from './rules/password-complexity.ts';

export interface PasswordChange {
  current: string;
  next: string;
  confirmation: string;
}

export type PasswordChangeResult =
  | { outcome: 'changed'; endedSessions: number }
  | { outcome: 'mismatch' | 'wrong' | 'locked' }
  | { outcome: 'weak'; problems: string[] };

/**
 * A user changes their own password (the self-service page, issue 15): the new one typed twice and within the org's
 * complexity policy (checked first, so a typo costs no password attempt), then the current password, verified under
 * the lockout policy as a login's is. The change is audited with the user as its actor (user.password.changed), and
 * every sign-in session of the user ends, as after a reset (http/login/email-link-pages.ts): whoever knew the old
 * password is signed out.
 */
export async function changeOwnPassword(
  instanceId: string,
  user: LoginUser,
  policy: LoginPolicy,
  change: PasswordChange,
  endSessions: SessionEnder,
  origin?: RequestOrigin,
): Promise<PasswordChangeResult> {
  if (change.next !== change.confirmation) return { outcome: 'mismatch' };
  const problems = passwordProblems(change.next, policy.passwordComplexity);
  if (problems.length) return { outcome: 'weak', problems };
  const verified = await verifyPasswordUnderLockout(
    instanceId,
    user,
    change.current,
    policy.lockout.maxPasswordAttempts,
    origin,
  );
  if (verified === 'locked') return { outcome: 'locked' };
  if (verified !== 'ok') return { outcome: 'wrong' };
  const stored = await findUser(instanceId, user._id);
  if (!stored) return { outcome: 'wrong' };
  await setUserPassword({ instanceId, actorId: user._id }, stored, change.next);
  return { outcome: 'changed', endedSessions: await endSessions(user._id) };
}
