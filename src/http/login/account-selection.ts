import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { keptLoginAnswers, rememberedAccounts, type RememberedAccount } from '../../domain/browser-logins.ts';
import { findLoginUser, policyOf } from '../../domain/login.ts';
import { emptyProgress } from '../../domain/rules/login-steps.ts';
import { readBrowserId } from '../../oidc/browser-id.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import type { LoginContext, LoginKit } from './login-kit.ts';
import { LoginPageError, readLoginForm } from './login-page.ts';
import { writeProgress } from './progress.ts';

const NOT_OFFERED = 'That account cannot be chosen here. Please choose one of the accounts shown.';

/** The request's `prompt` values and `max_age`, as the provider read them. */
function promptsAndMaxAge(login: LoginContext): { prompts: string[]; maxAge: number | null } {
  const { prompt, max_age: maxAge } = login.interaction.params;
  return {
    prompts: typeof prompt === 'string' ? prompt.split(' ') : [],
    maxAge: maxAge === undefined || maxAge === null ? null : Number(maxAge),
  };
}

/**
 * The account chooser (OpenID Connect Core 1.0 §3.1.2.1 `prompt=select_account`, and a request without a hint
 * while the browser keeps logins of several accounts: oidc/interaction-policy.ts): the accounts this browser signed
 * in with (oidc/browser-logins.ts), and "Use another account". A chosen account whose kept login still meets the
 * request and the login policy (domain/browser-logins.ts `keptLoginAnswers`) continues without a password, with that
 * login's auth_time, amr and acr; the provider makes it the session's account (logging the session's previous
 * account out, as it does for any switch). Any other goes to its password step.
 */
export function accountSelectionPages(kit: LoginKit) {
  async function choices(ctx: Context, login: LoginContext): Promise<RememberedAccount[]> {
    const browserId = readBrowserId(ctx);
    if (!browserId) return [];
    return rememberedAccounts(login.tenant.instance._id, browserId, login.scopedOrg?._id ?? null);
  }

  async function renderChooser(ctx: Context, login: LoginContext, status: number, error: string | null) {
    const base = `/ui/login/${login.interaction.uid}`;
    const current = login.interaction.session?.accountId ?? null;
    kit.render(ctx, login, 'account-selection.njk', status, {
      title: 'Choose an account',
      error,
      accounts: (await choices(ctx, login)).map((account) => ({
        id: account.userId,
        name: account.username,
        current: account.userId === current,
      })),
      action: `${base}/select-account`,
      otherAction: `${base}/select-account/other`,
    });
  }

  /** Shows the chooser when the provider asked for it and no login step was taken yet; true when it did. */
  async function startsHere(ctx: Context, login: LoginContext): Promise<boolean> {
    if (login.interaction.prompt.name !== 'select_account' || login.progress.loginName !== null) return false;
    await renderChooser(ctx, login, 200, null);
    return true;
  }

  async function choose(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadContext(ctx);
    kit.verifyCsrf(login.interaction.uid, form);
    const chosen = (await choices(ctx, login)).find((account) => account.userId === form.get('accountId'));
    if (!chosen) return renderChooser(ctx, login, 400, NOT_OFFERED);
    const { instance } = login.tenant;
    const { params } = login.interaction;
    const request = { clientId: String(params.client_id), scope: params.scope, acrValues: params.acr_values };
    if (await keptLoginAnswers(instance, { ...request, ...promptsAndMaxAge(login) }, chosen.login)) {
      const { userId, authTime, amr, acr } = chosen.login;
      writeProgress(ctx, login.interaction.uid, null);
      login.interaction.result = {
        select_account: {},
        login: { accountId: userId, ts: authTime, amr, acr },
      } satisfies InteractionResults;
      await login.interaction.save(login.interaction.exp - Math.floor(Date.now() / 1000));
      ctx.status = 303;
      ctx.redirect(login.interaction.returnTo);
      return;
    }
    const user = await findLoginUser(instance._id, chosen.userId);
    if (!user) return renderChooser(ctx, login, 400, NOT_OFFERED);
    // As after its login name (http/login/first-factor-pages.ts), under the policy of the account's org.
    const policyOrg = login.scopedOrg ?? (await findOrg(instance._id, user.orgId));
    const identified: LoginContext = { ...login, user, policyOrg, policy: policyOf(instance, policyOrg) };
    await kit.advance(ctx, identified, { ...emptyProgress(), userId: user._id, loginName: user.username });
  }

  async function useAnother(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadContext(ctx);
    kit.verifyCsrf(login.interaction.uid, form);
    if (login.interaction.prompt.name !== 'select_account')
      throw new LoginPageError(400, 'Not available', NOT_OFFERED, `/ui/login/${login.interaction.uid}`);
    await kit.advance(ctx, login, emptyProgress());
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.post('/select-account', page(choose));
    router.post('/select-account/other', page(useAnother));
  }

  return { startsHere, addRoutes };
}
