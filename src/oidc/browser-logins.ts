import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { endBrowserLogins, saveBrowserLogin, type BrowserLoginRecord } from '../store/queries/browser-logins.ts';
import { browserIdOf, readBrowserId } from './browser-id.ts';
import { ROUTES } from './configuration.ts';
import { SESSION_SECONDS } from './lifetimes.ts';
import { addProviderStep } from './provider-steps.ts';

/** Keeps a finished login of this browser (giving the browser an id first), for as long as a session lasts. */
export async function keepBrowserLogin(
  ctx: Parameters<typeof browserIdOf>[0],
  instanceId: string,
  login: BrowserLoginRecord,
): Promise<void> {
  const expiresAt = new Date((login.authTime + SESSION_SECONDS) * 1000);
  const { browserId, fresh } = browserIdOf(ctx);
  await saveBrowserLogin(instanceId, browserId, login, expiresAt, fresh);
}

const LOGOUT_OF_BROWSER = Symbol('logout of the browser');

/**
 * The provider's switch to another account: resume (lib/actions/authorization/resume.js) logs the session's account
 * out through end_session_confirm and comes back to the authorization (its resume route) to log the other one in.
 */
function isAccountSwitch(ctx: KoaContextWithOIDC): boolean {
  const state = ctx.oidc.session?.state as { postLogoutRedirectUri?: unknown } | undefined;
  if (typeof state?.postLogoutRedirectUri !== 'string') return false;
  const target = new URL(state.postLogoutRedirectUri);
  const authorization = new URL(ctx.oidc.urlFor('authorization'));
  return target.origin === authorization.origin && target.pathname.startsWith(`${authorization.pathname}/`);
}

/**
 * RP-initiated logout ends every login this browser keeps, as ZITADEL's end_session terminates all sessions of the
 * user agent (internal/api/oidc/auth_request.go `terminateSession`: UserSessionsByAgentID, then HumansSignOut).
 * The provider's own switch between accounts is no logout of the browser: the other accounts stay signed in. The
 * event marks the request; the logins end before the response leaves, so the next request finds them gone.
 */
export function endBrowserLoginsAtLogout(provider: Provider, instanceId: string): void {
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    if (!isAccountSwitch(ctx)) (ctx.state as Record<symbol, boolean>)[LOGOUT_OF_BROWSER] = true;
  });
  // The event's only source: the logout confirmation (lib/actions/end_session.js `endSessionConfirm`, at `/confirm`).
  addProviderStep(provider, 'POST', `${ROUTES.end_session}/confirm`, async (ctx, next) => {
    await next();
    if (!(ctx.state as Record<symbol, boolean>)[LOGOUT_OF_BROWSER]) return;
    const browserId = readBrowserId(ctx);
    if (browserId) await endBrowserLogins(instanceId, browserId);
  });
}
