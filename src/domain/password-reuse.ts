import { verifyPassword } from '../platform/passwords.ts';
import type { LoginPolicy } from './rules/login-policy.ts';

/**
 * Whether `password` is the user's current one where the password age policy applies: a password that expires must
 * be replaced by another (at login, http/login/password-change-at-login.ts; on the reset page,
 * http/login/email-link-pages.ts).
 */
export async function reusesAgedPassword(
  policy: LoginPolicy,
  passwordHash: string | null | undefined,
  password: string,
): Promise<boolean> {
  return policy.passwordAge.maxAgeDays > 0 && Boolean(passwordHash) && (await verifyPassword(passwordHash, password));
}
