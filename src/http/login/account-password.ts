import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { changeOwnPassword } from '../../domain/password-change.ts';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import { endAccountSessions } from '../../oidc/session-termination.ts';
import { waitText, type Throttles } from '../middleware/rate-limit.ts';
import { writeAccountSession } from './account-session.ts';
import type { AccountKit, AccountRequest } from './account-webauthn.ts';
import { describeRules } from './email-link-pages.ts';

const MAX_FIELD = 1024;

/**
 * Changing one's password on /ui/account (domain/password-change.ts), within the fresh check every change needs. The
 * current password is throttled as a sign-in's is (`passwordFailures*`) and counted toward the lockout.
 */
export function accountPasswordPages<T extends AccountRequest>(kit: AccountKit<T>, throttles: Throttles) {
  function renderForm(ctx: Context, loaded: T, status: number, error: string | null): void {
    kit.render(ctx, loaded, 'account-password.njk', status, {
      title: 'Change your password',
      loginName: loaded.user!.username,
      rules: describeRules(loaded.policy),
      error,
    });
  }

  async function showForm(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (request) renderForm(ctx, request.loaded, 200, null);
  }

  async function change(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (!request) return;
    const { loaded, form } = request;
    const user = loaded.user!;
    const [current, next, confirmation] = ['currentPassword', 'password', 'passwordConfirmation'].map(
      (field) => form.get(field) ?? '',
    ) as [string, string, string];
    if (!current || !next || [current, next, confirmation].some((value) => value.length > MAX_FIELD))
      return renderForm(ctx, loaded, 400, 'Enter your current password and a new one.');
    const { instance, provider } = loaded.tenant;
    const attempt = await throttles.attempt(instance._id, [
      ['passwordFailuresPerLoginName', user.username.toLowerCase()],
      ['passwordFailuresPerIp', ctx.ip],
    ]);
    if (attempt.refusal) {
      throttles.refuse(ctx, attempt.refusal);
      return renderForm(
        ctx,
        loaded,
        429,
        `Too many wrong passwords. Please wait ${waitText(attempt.refusal.seconds)}.`,
      );
    }
    const origin = { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, clientId: null };
    const endSessions = (userId: string) => endAccountSessions(provider, instance._id, userId);
    const result = await changeOwnPassword(
      instance._id,
      user,
      loaded.policy,
      { current, next, confirmation },
      endSessions,
      origin,
    );
    await (result.outcome === 'wrong' || result.outcome === 'locked' ? attempt.failed() : attempt.succeeded());
    if (result.outcome === 'mismatch') return renderForm(ctx, loaded, 400, 'The two new passwords are not the same.');
    if (result.outcome === 'weak') return renderForm(ctx, loaded, 400, `The password ${result.problems.join(', ')}.`);
    if (result.outcome === 'wrong') return renderForm(ctx, loaded, 401, 'The current password is wrong.');
    if (result.outcome === 'locked') return renderForm(ctx, loaded, 403, LOGIN_MESSAGES.userLocked);
    // The user just proved their password: the self-service session starts afresh.
    writeAccountSession(ctx, { ...loaded.session!, checkedAt: Date.now() / 1000 });
    kit.render(ctx, loaded, 'account-password.njk', 200, {
      title: 'Change your password',
      loginName: user.username,
      done: 'Your password has been changed, and every session signed in with the old one has ended.',
    });
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.post('/password/form', page(showForm));
    router.post('/password', page(change));
  }

  return { addRoutes };
}
