import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { sendEmailOtp, type EmailOtpSending } from '../../domain/email-otp.ts';
import { secondFactorAllowed } from '../../domain/rules/webauthn.ts';
import type { Services } from '../../oidc/services.ts';
import { findUserFactors } from '../../store/queries/user-factors.ts';
import { waitText } from '../middleware/rate-limit.ts';
import type { LoginContext, LoginKit } from './login-kit.ts';
import { readLoginForm } from './login-page.ts';

/** What a page says after asking for a code by email: where it went, or why none went out. */
export function sendingAnswer(sending: EmailOtpSending): {
  status: number;
  error: string | null;
  notice: string | null;
} {
  if (sending.outcome === 'sent') {
    const minutes = Math.round(sending.validSeconds / 60);
    return { status: 200, error: null, notice: `We sent a code to ${sending.to}. It is valid for ${minutes} minutes.` };
  }
  if (sending.outcome === 'wait')
    return {
      status: 429,
      error: `A code was already sent moments ago. Please check your email, or wait ${waitText(sending.seconds)}.`,
      notice: null,
    };
  return { status: 409, error: 'Codes by email cannot be sent at the moment.', notice: null };
}

/** Whether a user's factors and policy offer codes by email (only the policy is read when it does not allow them). */
export async function emailCodeOffered(
  instanceId: string,
  user: { _id: string } | null,
  policy: LoginContext['policy'],
): Promise<boolean> {
  if (!user || !secondFactorAllowed(policy, 'otp_email')) return false;
  return (await findUserFactors(instanceId, user._id)).some((factor) => factor.type === 'otp_email');
}

type RenderCheck = (
  ctx: Context,
  login: LoginContext,
  status: number,
  error: string | null,
  notice?: string | null,
) => Promise<void>;

/** "Send me a code by email" on the login's `mfa` step (domain/email-otp.ts); the code goes into its code field. */
export function emailOtpLoginPages(kit: LoginKit, services: Services, renderCheck: RenderCheck) {
  const offered = (login: LoginContext) => emailCodeOffered(login.tenant.instance._id, login.user, login.policy);

  async function sendCode(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'mfa');
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    if (!(await offered(login))) return renderCheck(ctx, login, 400, 'Codes by email are not available.');
    const answer = sendingAnswer(await sendEmailOtp(services, login.tenant.instance, login.user!._id));
    return renderCheck(ctx, login, answer.status, answer.error, answer.notice);
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.post('/mfa/email', page(sendCode));
  }

  return { offered, addRoutes };
}
