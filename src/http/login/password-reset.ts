import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { requestPasswordReset } from '../../domain/commands/user-email.ts';
import { findUser } from '../../domain/commands/users.ts';
import { emailDeliveryAvailable } from '../../domain/emails.ts';
import { findLoginUser } from '../../domain/login.ts';
import type { Services } from '../../oidc/services.ts';
import type { LoginContext, LoginKit } from './login-kit.ts';
import { LoginPageError, readLoginForm } from './login-page.ts';
import { waitText, type Throttles } from '../middleware/rate-limit.ts';

/**
 * "Forgot password?" on the password page (issue 16): offered unless the policy hides it (`hidePasswordReset`, as in
 * ZITADEL) or the instance cannot send email. The user named on the password page gets a link to the new-password
 * page (http/login/email-link-pages.ts).
 */
export function passwordResetPages(kit: LoginKit, services: Services, throttles: Throttles) {
  async function offered(login: LoginContext): Promise<boolean> {
    if (login.policy.hidePasswordReset) return false;
    return emailDeliveryAvailable(services.config, login.tenant.instance._id);
  }

  /**
   * Sends the link in the background: the answer is the same page, at once, whether the login name names a user who
   * can reset a password or not, so neither its content nor its timing tells which (OWASP Forgot Password Cheat
   * Sheet, "consistent response time"). The work starts once the answer is sent, so it does not even compete with
   * it. Failures are logged; the outbox retries delivery.
   */
  function sendLink(login: LoginContext): void {
    const instanceId = login.tenant.instance._id;
    const userId = login.user?.type === 'human' && !login.progress.unknownUser ? login.user._id : null;
    if (!userId) return;
    void (async () => {
      const user = await findUser(instanceId, userId);
      if (!user?.human || (user.state !== 'active' && user.state !== 'locked')) return;
      await requestPasswordReset({ services, instance: login.tenant.instance }, { instanceId, actorId: userId }, user);
    })().catch((error: unknown) => services.log.error({ err: error, userId }, 'password reset request failed'));
  }

  /**
   * Every request counts towards `passwordResetRequestsPerIp` and `passwordResetRequestsPerLoginName`, whether the
   * name is known or not, so the refusal (429) tells nothing about it; the limits bound the emails one client can
   * make Castellan send, and the emails one mailbox receives.
   */
  async function refuseOverResetLimit(ctx: Context, login: LoginContext): Promise<void> {
    const attempt = await throttles.attempt(login.tenant.instance._id, [
      ['passwordResetRequestsPerIp', ctx.ip],
      ['passwordResetRequestsPerLoginName', (login.progress.loginName ?? '').trim().toLowerCase()],
    ]);
    if (!attempt.refusal) return;
    throttles.refuse(ctx, attempt.refusal);
    const wait = waitText(attempt.refusal.seconds);
    throw new LoginPageError(429, 'Too many requests', `Too many password resets were requested. Wait ${wait}.`);
  }

  async function loadOffered(ctx: Context): Promise<LoginContext | null> {
    const login = await kit.loadStep(ctx, 'password');
    if (!login) return null;
    if (await offered(login)) return login;
    ctx.status = 303;
    ctx.redirect(`/ui/login/${login.interaction.uid}/password`);
    return null;
  }

  async function showRequest(ctx: Context): Promise<void> {
    const login = await loadOffered(ctx);
    if (!login) return;
    kit.render(ctx, login, 'password-reset-request.njk', 200, {
      title: 'Reset your password',
      loginName: login.progress.loginName,
    });
  }

  async function submitRequest(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await loadOffered(ctx);
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    await refuseOverResetLimit(ctx, login);
    // Loading the login read the user of a known name; an unknown name costs the same read, so the time is the same.
    if (!login.user) await findLoginUser(login.tenant.instance._id, login.progress.loginName ?? '');
    ctx.res.once('close', () => sendLink(login));
    kit.render(ctx, login, 'message.njk', 200, {
      title: 'Check your email',
      message:
        'If this login name belongs to an account with an email address, a link to set a new password is on its ' +
        'way there. It works once and for a limited time.',
    });
  }

  return {
    offered,
    addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
      router.get('/password/forgot', page(showRequest));
      router.post('/password/forgot', page(submitRequest));
    },
  };
}
