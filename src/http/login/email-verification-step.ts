import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { resendEmailVerification, verifyUserEmail } from '../../domain/commands/user-email.ts';
import { findUser } from '../../domain/commands/users.ts';
import { DomainError } from '../../domain/errors.ts';
import { findLoginUser } from '../../domain/login.ts';
import { nextStep } from '../../domain/rules/login-steps.ts';
import type { Services } from '../../oidc/services.ts';
import type { LoginContext, LoginKit } from './login-kit.ts';
import { LoginPageError, readLoginForm } from './login-page.ts';

const MAX_CODE = 64;
const WRONG_CODE =
  'This code is wrong, has expired or was replaced by a newer one. Check the newest email or send a new one.';

/**
 * Verification of the email address before the login finishes (issue 16), where the policy sets
 * `requireEmailVerification`: as ZITADEL's login does (its `VerifyEMailStep` follows the authentication of a user
 * whose address is unverified), the user types the code emailed to them, or sends a new one. Using the link in the
 * email instead (http/login/email-link-pages.ts) and coming back here lets the login continue too.
 */
export function emailVerificationStep(kit: LoginKit, services: Services) {
  /** Whether the authenticated user of `login` must verify their address before the login finishes. */
  function required(login: LoginContext): boolean {
    const human = login.user?.type === 'human' ? login.user.human : null;
    return Boolean(human && !human.emailVerified && login.policy.requireEmailVerification);
  }

  function render(ctx: Context, login: LoginContext, status: number, error: string | null, notice: string | null) {
    kit.render(ctx, login, 'login-verify-email.njk', status, {
      title: 'Verify your email address',
      email: login.user?.human?.email ?? '',
      error,
      notice,
    });
  }

  /** The login at this step: authenticated and still to verify, else null after redirecting to where it is. */
  async function load(ctx: Context): Promise<LoginContext | null> {
    const login = await kit.loadContext(ctx);
    if (login.user && nextStep(login.policy, login.progress) === 'authenticated') {
      if (required(login)) return login;
      await kit.advance(ctx, login, login.progress);
      return null;
    }
    ctx.status = 303;
    ctx.redirect(`/ui/login/${login.interaction.uid}`);
    return null;
  }

  const flowOf = (login: LoginContext) => ({ services, instance: login.tenant.instance });
  const actorOf = (login: LoginContext) => ({ instanceId: login.tenant.instance._id, actorId: login.user!._id });

  /** The posted form of this step, its login and the user's current record; null after a redirect to the start. */
  async function loadPosted(ctx: Context) {
    const form = await readLoginForm(ctx);
    const login = await load(ctx);
    if (!login) return null;
    kit.verifyCsrf(login.interaction.uid, form);
    const user = await findUser(login.tenant.instance._id, login.user!._id);
    if (!user) throw new LoginPageError(400, 'Login not possible', 'This account no longer exists.');
    return { form, login, user };
  }

  async function show(ctx: Context): Promise<void> {
    const login = await load(ctx);
    if (login) render(ctx, login, 200, null, null);
  }

  async function submit(ctx: Context): Promise<void> {
    const posted = await loadPosted(ctx);
    if (!posted) return;
    const { form, login, user } = posted;
    try {
      await verifyUserEmail(flowOf(login), actorOf(login), user, (form.get('code') ?? '').slice(0, MAX_CODE));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.kind === 'throttled')
        throw new LoginPageError(429, 'Too many attempts', 'Too many wrong codes. Please try again later.');
      return render(ctx, login, 400, WRONG_CODE, null);
    }
    const verified = await findLoginUser(login.tenant.instance._id, user._id);
    await kit.advance(ctx, { ...login, user: verified }, login.progress);
  }

  async function resend(ctx: Context): Promise<void> {
    const posted = await loadPosted(ctx);
    if (!posted) return;
    const { login, user } = posted;
    try {
      await resendEmailVerification(flowOf(login), actorOf(login), user);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new LoginPageError(409, 'Email not sent', 'This instance cannot send email at the moment.');
    }
    render(ctx, login, 200, null, 'A new code is on its way. Codes sent before it no longer work.');
  }

  return {
    required,
    render: (ctx: Context, login: LoginContext) => render(ctx, login, 200, null, null),
    addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
      router.get('/verify-email', page(show));
      router.post('/verify-email', page(submit));
      router.post('/verify-email/resend', page(resend));
    },
  };
}
