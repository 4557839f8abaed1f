import type { Context } from 'koa';
import type { Throttles } from '../middleware/rate-limit.ts';
import { waitText } from '../middleware/rate-limit.ts';
import { LoginPageError } from './login-page.ts';

/**
 * Every registration and org sign-up that would create an account (and send it an email) counts towards the
 * `registrationsPerIp` and `registrationsPerEmail` throttles, whether it then succeeds or not: the limit bounds the
 * accounts and messages one client or one address can cause. The refusal (429) depends only on the count, never on
 * whether an account exists, so it tells nothing about the address.
 */
export async function refuseOverRegistrationLimit(
  ctx: Context,
  throttles: Throttles,
  instanceId: string,
  email: string,
): Promise<void> {
  const attempt = await throttles.attempt(instanceId, [
    ['registrationsPerIp', ctx.ip],
    ['registrationsPerEmail', email.trim().toLowerCase()],
  ]);
  if (!attempt.refusal) return;
  throttles.refuse(ctx, attempt.refusal);
  throw new LoginPageError(
    429,
    'Too many sign-ups',
    `Too many accounts were requested. Please wait ${waitText(attempt.refusal.seconds)} and try again.`,
  );
}
