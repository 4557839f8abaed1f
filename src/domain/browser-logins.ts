import { findActiveAccount } from '../store/queries/accounts.ts';
import { browserLoginsOf, type BrowserLoginRecord } from '../store/queries/browser-logins.ts';
import { sessionNeedsFreshLogin, type LoginInstance } from './login.ts';
import { sessionMeetsLoginPolicy } from './second-factor.ts';

/** An account this browser signed in with, still able to log in, with what its login checked and when. */
export interface RememberedAccount {
  userId: string;
  username: string;
  login: BrowserLoginRecord;
}

/**
 * The accounts a browser keeps a login of (store/models/browser-login.ts), the most recent first: those whose user
 * and org are active, and, for a request restricted to an org by its org scope, of that org only (ZITADEL's
 * `usersForUserSelection` offers the user agent's sessions of the requested org).
 */
export async function rememberedAccounts(
  instanceId: string,
  browserId: string,
  requiredOrgId: string | null,
): Promise<RememberedAccount[]> {
  const logins = await browserLoginsOf(instanceId, browserId);
  const accounts = await Promise.all(
    logins.map(async (login) => {
      const account = await findActiveAccount(instanceId, login.userId);
      if (!account || (requiredOrgId && account.user.orgId !== requiredOrgId)) return null;
      return { userId: login.userId, username: account.user.username, login };
    }),
  );
  return accounts.filter((account) => account !== null);
}

/** What of an authorization request decides whether a kept login answers it. */
export interface ReuseRequest {
  clientId: string;
  scope: unknown;
  acrValues: unknown;
  /** The request's `prompt` values and `max_age` (OpenID Connect Core 1.0 §3.1.2.1). */
  prompts: readonly string[];
  maxAge: number | null;
}

/**
 * Whether an account's kept login answers a request without a new check: the request does not ask for a login
 * (`prompt=login`) or one newer than `max_age`, the user may use this request (org scope, grants), and the login's
 * checks are within the login policy's lifetimes with a second factor where one is due (rules/mfa.ts).
 */
export async function keptLoginAnswers(
  instance: LoginInstance,
  request: ReuseRequest,
  login: BrowserLoginRecord,
): Promise<boolean> {
  const now = Math.floor(Date.now() / 1000);
  if (request.prompts.includes('login')) return false;
  if (request.maxAge !== null && now - login.authTime > request.maxAge) return false;
  if (await sessionNeedsFreshLogin(instance._id, request.clientId, request.scope, login.userId)) return false;
  const authentication = { amr: login.amr, authTime: login.authTime };
  return sessionMeetsLoginPolicy(instance, login.userId, authentication, request.acrValues);
}
