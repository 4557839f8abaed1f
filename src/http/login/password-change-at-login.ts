import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { setUserPassword } from '../../domain/commands/user-credentials.ts';
import { findUser } from '../../domain/commands/users.ts';
import { findLoginUser, type LoginUser } from '../../domain/login.ts';
import { reusesAgedPassword } from '../../domain/password-reuse.ts';
import { nextStep } from '../../domain/rules/login-steps.ts';
import { daysUntilExpiry, passwordAgeStatus } from '../../domain/rules/password-age.ts';
import { passwordProblems } from '../../domain/rules/password-complexity.ts';
import { describeRules } from './email-link-pages.ts';
import type { LoginContext, LoginKit } from './login-kit.ts';
import { LoginPageError, readLoginForm } from './login-page.ts';

const MAX_PASSWORD = 1024;
type Due = 'expired' | 'expiring';

const changedAtOf = (user: LoginUser) => user.human?.passwordChangedAt ?? user.createdAt ?? null;

/**
 * The password age policy at login (issue 16; ZITADEL's PasswordAgePolicy and its login's ChangePasswordStep): after a
 * password login, a password older than `maxAgeDays` must be changed before the login finishes; within
 * `expireWarnDays` of that, the login offers the change and lets the user postpone it for this login.
 */
export function passwordChangeAtLogin(kit: LoginKit) {
  function required(login: LoginContext, progress = login.progress): Due | null {
    const user = login.user;
    if (!user?.human?.passwordHash || !progress.amr.includes('pwd')) return null;
    const status = passwordAgeStatus(login.policy.passwordAge, changedAtOf(user), new Date());
    if (status === 'fresh' || (status === 'expiring' && progress.passwordChangePostponed)) return null;
    return status;
  }

  function render(ctx: Context, login: LoginContext, due: Due, status: number, error: string | null) {
    const changedAt = changedAtOf(login.user!)!;
    kit.render(ctx, login, 'login-password-change.njk', status, {
      title: due === 'expired' ? 'Your password has expired' : 'Your password expires soon',
      due,
      days: due === 'expiring' ? daysUntilExpiry(login.policy.passwordAge, changedAt, new Date()) : 0,
      rules: describeRules(login.policy),
      error,
    });
  }

  /** The login at this step, and what is due; else null after moving the login on to where it is. */
  async function load(ctx: Context): Promise<{ login: LoginContext; due: Due } | null> {
    const login = await kit.loadContext(ctx);
    if (login.user && nextStep(login.policy, login.progress) === 'authenticated') {
      const due = required(login);
      if (due) return { login, due };
      await kit.advance(ctx, login, login.progress);
      return null;
    }
    ctx.status = 303;
    ctx.redirect(`/ui/login/${login.interaction.uid}`);
    return null;
  }

  async function show(ctx: Context): Promise<void> {
    const loaded = await load(ctx);
    if (loaded) render(ctx, loaded.login, loaded.due, 200, null);
  }

  async function submit(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const loaded = await load(ctx);
    if (!loaded) return;
    const { login, due } = loaded;
    kit.verifyCsrf(login.interaction.uid, form);
    const password = (form.get('password') ?? '').slice(0, MAX_PASSWORD);
    const refuse = (message: string) => render(ctx, login, due, 400, message);
    if (password !== (form.get('passwordConfirmation') ?? '')) return refuse('The two passwords are not the same.');
    const problems = passwordProblems(password, login.policy.passwordComplexity);
    if (problems.length) return refuse(`The password ${problems.join(', ')}.`);
    if (await reusesAgedPassword(login.policy, login.user!.human!.passwordHash, password))
      return refuse('Choose a password different from your current one.');
    const user = await findUser(login.tenant.instance._id, login.user!._id);
    if (!user) throw new LoginPageError(400, 'Login not possible', 'This account no longer exists.');
    await setUserPassword({ instanceId: login.tenant.instance._id, actorId: user._id }, user, password);
    const changed = await findLoginUser(login.tenant.instance._id, user._id);
    await kit.advance(ctx, { ...login, user: changed }, login.progress);
  }

  async function postpone(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const loaded = await load(ctx);
    if (!loaded) return;
    kit.verifyCsrf(loaded.login.interaction.uid, form);
    if (loaded.due === 'expired') return render(ctx, loaded.login, 'expired', 403, 'Your password must be changed.');
    await kit.advance(ctx, loaded.login, { ...loaded.login.progress, passwordChangePostponed: true });
  }

  return {
    required,
    render,
    addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
      router.get('/password-change', page(show));
      router.post('/password-change', page(submit));
      router.post('/password-change/postpone', page(postpone));
    },
  };
}
