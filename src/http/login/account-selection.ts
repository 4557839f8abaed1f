import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { findLoginUser, policyOf, sessionNeedsFreshLogin, type LoginUser } from '../../domain/login.ts';
import { emptyProgress } from '../../domain/rules/login-steps.ts';
import { sessionMeetsLoginPolicy } from '../../domain/second-factor.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import type { LoginContext, LoginKit } from './login-kit.ts';
import { LoginPageError, readLoginForm } from './login-page.ts';
import { writeProgress } from './progress.ts';

const REMEMBERED_COOKIE = 'castellan_accounts';
/** How many accounts a browser remembers, most recent first, and for how long (as ZITADEL's user agent sessions). */
const REMEMBERED_ACCOUNTS = 5;
const REMEMBERED_DAYS = 30;

interface RememberedAccounts {
  instanceId: string;
  accountIds: string[];
}

const cookieOptions = (ctx: Context) =>
  ({ signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/ui/login', overwrite: true }) as const;

function readRemembered(ctx: Context, instanceId: string): string[] {
  const raw = ctx.cookies.get(REMEMBERED_COOKIE, { signed: true });
  if (!raw) return [];
  try {
    const stored = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as RememberedAccounts;
    return stored.instanceId === instanceId && Array.isArray(stored.accountIds) ? stored.accountIds.map(String) : [];
  } catch {
    return [];
  }
}

/**
 * Remembers, in a signed cookie of this browser, that `accountId` signed in here: the account chooser offers it. It
 * names accounts only; signing in as one that is not the browser's session account still takes its password.
 */
export function rememberAccount(ctx: Context, instanceId: string, accountId: string): void {
  const others = readRemembered(ctx, instanceId).filter((id) => id !== accountId);
  const value: RememberedAccounts = { instanceId, accountIds: [accountId, ...others].slice(0, REMEMBERED_ACCOUNTS) };
  ctx.cookies.set(REMEMBERED_COOKIE, Buffer.from(JSON.stringify(value)).toString('base64url'), {
    ...cookieOptions(ctx),
    maxAge: REMEMBERED_DAYS * 86_400_000,
  });
}

const NOT_OFFERED = 'That account cannot be chosen here. Please choose one of the accounts shown.';

/**
 * The account chooser of `prompt=select_account` (OpenID Connect Core 1.0 §3.1.2.1; the provider's requestable
 * `select_account` prompt, oidc/interaction-policy.ts): the browser session's account and the accounts signed in
 * recently in this browser, and "Use another account". oidc-provider keeps one account per browser session, so
 * only the session's account continues without a password, and only while the session meets the login policy
 * (lifetimes, second factor: domain/second-factor.ts) and the login requirements; any other account goes to its
 * password step, and finishing it replaces the session (the provider logs the previous account out).
 */
export function accountSelectionPages(kit: LoginKit) {
  async function choices(ctx: Context, login: LoginContext): Promise<Array<LoginUser & { current: boolean }>> {
    const instanceId = login.tenant.instance._id;
    const current = login.interaction.session?.accountId ?? null;
    const ids = [...new Set([...(current ? [current] : []), ...readRemembered(ctx, instanceId)])];
    const users = await Promise.all(ids.map((id) => findLoginUser(instanceId, id)));
    return users
      .filter((user): user is LoginUser => user?.state === 'active')
      .map((user) => ({ ...user, current: user._id === current }));
  }

  async function renderChooser(ctx: Context, login: LoginContext, status: number, error: string | null) {
    const base = `/ui/login/${login.interaction.uid}`;
    kit.render(ctx, login, 'account-selection.njk', status, {
      title: 'Choose an account',
      error,
      accounts: (await choices(ctx, login)).map((user) => ({
        id: user._id,
        name: user.username,
        current: user.current,
      })),
      action: `${base}/select-account`,
      otherAction: `${base}/select-account/other`,
    });
  }

  /** Shows the chooser when the request asks for it and no login step was taken yet; true when it did. */
  async function startsHere(ctx: Context, login: LoginContext): Promise<boolean> {
    if (login.interaction.prompt.name !== 'select_account' || login.progress.loginName !== null) return false;
    await renderChooser(ctx, login, 200, null);
    return true;
  }

  /** Whether the browser session of `user` satisfies this request as it stands (no new check needed). */
  async function sessionStillSatisfies(login: LoginContext, user: LoginUser): Promise<{ ts: number } | null> {
    const { tenant, interaction } = login;
    const session = interaction.session?.cookie ? await tenant.provider.Session.find(interaction.session.cookie) : null;
    if (!session || session.accountId !== user._id) return null;
    const authTime = session.authTime() ?? 0;
    const clientId = String(interaction.params.client_id);
    if (await sessionNeedsFreshLogin(tenant.instance._id, clientId, interaction.params.scope, user._id)) return null;
    const authentication = { amr: session.amr, authTime };
    const meets = await sessionMeetsLoginPolicy(
      tenant.instance,
      user._id,
      authentication,
      interaction.params.acr_values,
    );
    return meets ? { ts: authTime } : null;
  }

  async function choose(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadContext(ctx);
    kit.verifyCsrf(login.interaction.uid, form);
    const chosen = (await choices(ctx, login)).find((user) => user._id === form.get('accountId'));
    if (!chosen) return renderChooser(ctx, login, 400, NOT_OFFERED);
    const reused = chosen.current ? await sessionStillSatisfies(login, chosen) : null;
    if (reused) {
      const { amr, acr } = login.interaction.session!;
      writeProgress(ctx, login.interaction.uid, null);
      login.interaction.result = {
        select_account: {},
        login: { accountId: chosen._id, amr, acr, ts: reused.ts },
      } satisfies InteractionResults;
      await login.interaction.save(login.interaction.exp - Math.floor(Date.now() / 1000));
      ctx.status = 303;
      ctx.redirect(login.interaction.returnTo);
      return;
    }
    // As after its login name (http/login/first-factor-pages.ts), under the policy of the account's org.
    const instance = login.tenant.instance;
    const policyOrg = login.scopedOrg ?? (await findOrg(instance._id, chosen.orgId));
    const identified: LoginContext = { ...login, user: chosen, policyOrg, policy: policyOf(instance, policyOrg) };
    await kit.advance(ctx, identified, { ...emptyProgress(), userId: chosen._id, loginName: chosen.username });
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
