import type { LoginPolicy } from './login-policy.ts';

const DAY_MS = 86_400_000;

export type PasswordAgeStatus = 'fresh' | 'expiring' | 'expired';

/**
 * Where a password stands under the password age policy (ZITADEL's PasswordAgePolicy): `expired` once it is older
 * than `maxAgeDays` (the login then requires a new one), `expiring` within `expireWarnDays` of that (the login offers
 * to change it now), else `fresh`. `maxAgeDays` 0: passwords never expire.
 */
export function passwordAgeStatus(
  policy: LoginPolicy['passwordAge'],
  changedAt: Date | null | undefined,
  now: Date,
): PasswordAgeStatus {
  if (policy.maxAgeDays <= 0 || !changedAt) return 'fresh';
  const expiresAt = changedAt.getTime() + policy.maxAgeDays * DAY_MS;
  if (now.getTime() >= expiresAt) return 'expired';
  return now.getTime() >= expiresAt - policy.expireWarnDays * DAY_MS ? 'expiring' : 'fresh';
}

/** Whole days until the password expires (at least 1 while it has not). */
export function daysUntilExpiry(policy: LoginPolicy['passwordAge'], changedAt: Date, now: Date): number {
  return Math.max(1, Math.ceil((changedAt.getTime() + policy.maxAgeDays * DAY_MS - now.getTime()) / DAY_MS));
}
