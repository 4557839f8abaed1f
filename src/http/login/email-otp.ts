import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import {
  confirmEmailOtpEnrollment,
  emailOtpAvailable,
  sendEmailOtp,
  startEmailOtpEnrollment,
  type EmailOtpSending,
} from '../../domain/email-otp.ts';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import { secondFactorAllowed } from '../../domain/rules/webauthn.ts';
import type { Services } from '../../oidc/services.ts';
import { findUserFactors } from '../../store/queries/user-factors.ts';
import { waitText, type Throttles } from '../middleware/rate-limit.ts';
import { enrollableOf, type LoginContext, type LoginKit } from './login-kit.ts';
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

type RenderPage = (ctx: Context, login: LoginContext, status: number, error: string | null) => Promise<void>;

/** The pages of the `mfa` and `mfa-setup` steps (http/login/second-factor-pages.ts). */
interface SecondFactorRendering {
  renderCheck: (...page: [...Parameters<RenderPage>, notice?: string | null]) => Promise<void>;
  renderSetup: RenderPage;
}

/**
 * Codes by email in the login (domain/email-otp.ts): "Send me a code by email" on the `mfa` step (the code goes into
 * its code field), and, on the forced set-up (`mfa-setup`), setting the factor up with a first code sent to the
 * verified address, as on /ui/account (http/login/account-email-otp.ts): the code confirms the factor and is the
 * login's second factor (`amr` `otp`). Wrong codes there are throttled like the `mfa` step's.
 */
export function emailOtpLoginPages(
  kit: LoginKit,
  services: Services,
  throttles: Throttles,
  pages: SecondFactorRendering,
) {
  const offered = (login: LoginContext) => emailCodeOffered(login.tenant.instance._id, login.user, login.policy);
  const setupBase = (login: LoginContext) => `/ui/login/${login.interaction.uid}/mfa-setup/email`;
  const actorOf = (login: LoginContext) => ({ instanceId: login.tenant.instance._id, actorId: login.user!._id });

  async function sendCode(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'mfa');
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    if (!(await offered(login))) return pages.renderCheck(ctx, login, 400, 'Codes by email are not available.');
    const answer = sendingAnswer(await sendEmailOtp(services, login.tenant.instance, login.user!._id));
    return pages.renderCheck(ctx, login, answer.status, answer.error, answer.notice);
  }

  /** Where the set-up page posts "Send me a code by email", when the instance can send this user one. */
  async function setupAction(login: LoginContext): Promise<string | null> {
    const available = await emailOtpAvailable(services, login.tenant.instance._id, login.user!._id);
    return available ? setupBase(login) : null;
  }

  function renderCodeForm(ctx: Context, login: LoginContext, factorId: string, status: number, answer: object) {
    kit.render(ctx, login, 'email-otp-setup.njk', status, {
      title: 'Set up codes by email',
      loginName: login.progress.loginName,
      action: `${setupBase(login)}/confirm`,
      backUrl: `/ui/login/${login.interaction.uid}/mfa-setup`,
      factorId,
      ...answer,
    });
  }

  /** The set-up step, when it offers codes by email to this user; else null after showing the set-up again. */
  async function setupStep(ctx: Context): Promise<{ login: LoginContext; form: URLSearchParams } | null> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'mfa-setup');
    if (!login) return null;
    kit.verifyCsrf(login.interaction.uid, form);
    if (enrollableOf(login).includes('otp_email')) return { login, form };
    await pages.renderSetup(ctx, login, 400, 'Codes by email are not available.');
    return null;
  }

  async function startSetup(ctx: Context): Promise<void> {
    const step = await setupStep(ctx);
    if (!step) return;
    const { login } = step;
    const started = await startEmailOtpEnrollment(services, login.tenant.instance, actorOf(login), login.user!);
    if (!started) return pages.renderSetup(ctx, login, 409, 'Codes by email cannot be sent at the moment.');
    const answer = sendingAnswer(started.sending);
    renderCodeForm(ctx, login, started.factorId, answer.status, answer);
  }

  async function confirmSetup(ctx: Context): Promise<void> {
    const step = await setupStep(ctx);
    if (!step) return;
    const { login, form } = step;
    const factorId = form.get('factorId') ?? '';
    const code = (form.get('code') ?? '').replace(/\s/g, '');
    const instanceId = login.tenant.instance._id;
    const attempt = await throttles.attempt(instanceId, [
      ['otpFailuresPerUser', login.user!._id],
      ['otpFailuresPerIp', ctx.ip],
    ]);
    if (attempt.refusal) {
      throttles.refuse(ctx, attempt.refusal);
      const error = `Too many wrong codes. Please wait ${waitText(attempt.refusal.seconds)} and try again.`;
      return renderCodeForm(ctx, login, factorId, 429, { error });
    }
    const confirmed =
      /^\d{6}$/.test(code) && (await confirmEmailOtpEnrollment(services, actorOf(login), login.user!, factorId, code));
    await (confirmed ? attempt.succeeded() : attempt.failed());
    if (!confirmed) return renderCodeForm(ctx, login, factorId, 400, { error: LOGIN_MESSAGES.codeInvalid });
    return kit.advance(ctx, login, { ...login.progress, amr: [...login.progress.amr, 'otp'] });
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.post('/mfa/email', page(sendCode));
    router.post('/mfa-setup/email', page(startSetup));
    router.post('/mfa-setup/email/confirm', page(confirmSetup));
  }

  return { offered, setupAction, addRoutes };
}
