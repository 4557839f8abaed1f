import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import {
  confirmEmailOtpEnrollment,
  emailOtpAvailable,
  sendEmailOtp,
  startEmailOtpEnrollment,
} from '../../domain/email-otp.ts';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import { secondFactorAllowed } from '../../domain/rules/webauthn.ts';
import type { Services } from '../../oidc/services.ts';
import type { UserFactorDocument } from '../../store/models/user-factor.ts';
import { ACCOUNT_PATH } from './account-session.ts';
import type { AccountKit, AccountRequest } from './account-webauthn.ts';
import { emailCodeOffered, sendingAnswer } from './email-otp.ts';

/**
 * Codes by email on the self-service pages (domain/email-otp.ts): setting the factor up (after the fresh check every
 * change needs), confirmed with the first code sent; and asking for a code on the sign-in's second-factor page.
 */
export function accountEmailOtpPages<T extends AccountRequest>(kit: AccountKit<T>, services: Services) {
  const actorOf = (loaded: T) => ({ instanceId: loaded.tenant.instance._id, actorId: loaded.user!._id });

  /** Whether the account page offers to set up codes by email: allowed, not set up yet, and possible. */
  async function maySetUp(loaded: T, factors: readonly UserFactorDocument[]): Promise<boolean> {
    if (!loaded.user || !secondFactorAllowed(loaded.policy, 'otp_email')) return false;
    if (factors.some((factor) => factor.type === 'otp_email')) return false;
    return emailOtpAvailable(services, loaded.tenant.instance._id, loaded.user._id);
  }

  /** Where the sign-in's code page posts "Send me a code by email", when the user has the factor. */
  async function sendAction(loaded: T): Promise<string | null> {
    const offered = await emailCodeOffered(loaded.tenant.instance._id, loaded.user, loaded.policy);
    return offered ? `${ACCOUNT_PATH}/code/email` : null;
  }

  function renderSetup(ctx: Context, loaded: T, factorId: string, status: number, answer: Record<string, unknown>) {
    kit.render(ctx, loaded, 'email-otp-setup.njk', status, {
      title: 'Set up codes by email',
      loginName: loaded.user!.username,
      action: `${ACCOUNT_PATH}/otp-email/confirm`,
      backUrl: ACCOUNT_PATH,
      factorId,
      ...answer,
    });
  }

  async function startSetup(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (!request) return;
    const { loaded } = request;
    if (!secondFactorAllowed(loaded.policy, 'otp_email')) return kit.backToAccount(ctx);
    const started = await startEmailOtpEnrollment(services, loaded.tenant.instance, actorOf(loaded), loaded.user!);
    if (!started) return kit.backToAccount(ctx);
    const answer = sendingAnswer(started.sending);
    renderSetup(ctx, loaded, started.factorId, answer.status, answer);
  }

  async function confirmSetup(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (!request) return;
    const { loaded, form } = request;
    const factorId = form.get('factorId') ?? '';
    const code = (form.get('code') ?? '').replace(/\s/g, '');
    const confirmed =
      /^\d{6}$/.test(code) &&
      (await confirmEmailOtpEnrollment(services, actorOf(loaded), loaded.user!, factorId, code));
    if (confirmed) return kit.backToAccount(ctx);
    renderSetup(ctx, loaded, factorId, 400, { error: LOGIN_MESSAGES.codeInvalid });
  }

  async function sendSignInCode(ctx: Context): Promise<void> {
    const request = await kit.secondFactorForm(ctx);
    if (!request) return;
    const { loaded } = request;
    if (!(await sendAction(loaded))) return kit.renderCode(ctx, loaded, 400, 'Codes by email are not available.');
    const answer = sendingAnswer(await sendEmailOtp(services, loaded.tenant.instance, loaded.user!._id));
    await kit.renderCode(ctx, loaded, answer.status, answer.error, answer.notice);
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.post('/otp-email', page(startSetup));
    router.post('/otp-email/confirm', page(confirmSetup));
    router.post('/code/email', page(sendSignInCode));
  }

  return { maySetUp, sendAction, addRoutes };
}
