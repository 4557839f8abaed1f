/**
 * The keys of the per-instance cache (cache/instance-cache.ts): one builder per kind of cached value, so that two
 * call sites never share a key for different values. A key is its kind and parts, JSON-encoded: unambiguous whatever
 * the parts hold (login names and domains are typed by users, and may contain any separator).
 */
function key(kind: string, ...parts: Array<string | readonly string[]>): string {
  return JSON.stringify([kind, ...parts]);
}

export const cacheKeys = {
  /** What claims, token checks and the login read of an org (store/queries/accounts.ts). */
  org: (orgId: string) => key('org', orgId),
  orgByPrimaryDomain: (domain: string) => key('org-by-primary-domain', domain),
  orgWithVerifiedDomain: (domain: string) => key('org-with-verified-domain', domain),
  /** An active user of an active org, with its org. */
  account: (userId: string) => key('account', userId),
  roleGrants: (userId: string, projectIds: readonly string[], roleOrgIds: readonly string[]) =>
    key('role-grants', userId, projectIds, roleOrgIds),
  memberships: (userId: string) => key('memberships', userId),
  /**
   * The claims Castellan builds for one output (oidc/claims.ts): the user and its org, then every other input of the
   * build (the output, the scope string, the client's assertion switches, the current and management projects) and
   * the claim names the request asked for.
   */
  claims: (userId: string, orgId: string, output: readonly string[], requestedClaims: readonly string[]) =>
    key('claims', userId, orgId, output, requestedClaims),
  personalAccessToken: (tokenHash: string) => key('personal-access-token', tokenHash),
  /** The provider's client metadata (oidc/clients.ts). */
  client: (clientId: string) => key('client', clientId),
  publicSigningKeys: () => key('public-signing-keys'),
  /** What a machine user's tokens are bound to: its username and secret (store/queries/accounts.ts). */
  tokenHolder: (userId: string) => key('token-holder', userId),
  /** The instance's own throttle settings (http/middleware/rate-limit.ts). */
  instanceRateLimits: () => key('instance-rate-limits'),
  /** The instance's settings as stored (store/queries/instance-settings.ts). */
  instanceSettings: () => key('instance-settings'),
  /** The instance's SMTP server and sender (store/queries/smtp-settings.ts). */
  smtp: () => key('smtp'),
  /** The instance's state, domains, issuer and login policy (store/queries/instance-settings.ts). */
  instanceRouting: () => key('instance-routing'),
  userState: (userId: string) => key('user-state', userId),
  /** A user as the login name step identifies them (domain/login.ts). */
  loginUser: (userId: string) => key('login-user', userId),
  /** A user's active factors, as the login checks them (store/queries/user-factors.ts). */
  userFactors: (userId: string) => key('user-factors', userId),
  /** The (at most two) human users a login name can mean, by username, by username within an org, by email. */
  humanUsersByUsername: (username: string) => key('human-users-by-username', username),
  humanUsersByOrgUsername: (orgId: string, username: string) => key('human-users-by-org-username', orgId, username),
  humanUsersByEmail: (email: string) => key('human-users-by-email', email),
  /** What the login checks read of an app, its project, and the grants a login may require. */
  loginApplication: (clientId: string) => key('login-application', clientId),
  loginProject: (projectId: string) => key('login-project', projectId),
  hasActiveUserGrant: (userId: string, projectId: string) => key('has-active-user-grant', userId, projectId),
  hasActiveProjectGrant: (projectId: string, grantedOrgId: string) =>
    key('has-active-project-grant', projectId, grantedOrgId),
  /** The active actions a trigger runs for an org's users (store/queries/actions.ts). */
  triggerActions: (orgId: string, flow: string, trigger: string) => key('trigger-actions', orgId, flow, trigger),
  /** The instance's active change-webhook subscriptions (store/queries/webhooks.ts). */
  webhookSubscriptions: () => key('webhook-subscriptions'),
} as const;
