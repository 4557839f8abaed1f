/**
 * OAuth 2.0 Token Exchange (RFC 8693) as ZITADEL decides it (internal/api/oidc/token_exchange.go,
 * docs/zitadel-behaviour.md "Token exchange"): who may impersonate whom, and which audience and scopes an exchanged
 * token may carry. Pure functions over what the grant read of both tokens.
 */
import { hasPermission, type MembershipFacts, type Permissions } from './permissions.ts';
import { SCOPE } from './scopes.ts';

/** ZITADEL's permissions (config/role-permissions.json): `*_END_USER_IMPERSONATOR` and `*_ADMIN_IMPERSONATOR`. */
export const IMPERSONATION_PERMISSION = 'impersonation';
export const ADMIN_IMPERSONATION_PERMISSION = 'admin.impersonation';

export interface ImpersonationRequest {
  /** The instance's security setting `enableImpersonation` (ZITADEL's security policy). */
  enabled: boolean;
  /** The actor's manager permissions, wherever held. */
  actorPermissions: Permissions;
  /** The user whose identity the exchanged token carries. */
  subject: { orgId: string; memberships: readonly MembershipFacts[] };
}

export type ImpersonationDecision = 'allowed' | 'disabled' | 'not-an-impersonator' | 'subject-is-an-admin';

/** An administrator: a user holding any manager role, anywhere (the definition; ZITADEL's "admin"). */
export function isAdministrator(memberships: readonly MembershipFacts[]): boolean {
  return memberships.some((membership) => membership.roles.length > 0);
}

/**
 * Impersonation (and delegation: ZITADEL makes no difference) needs the instance to allow it and the actor to hold
 * `impersonation` in the subject's scope, the instance or the subject's org; an administrator subject needs
 * `admin.impersonation` there as well (IAM_/ORG_ADMIN_IMPERSONATOR).
 */
export function decideImpersonation(request: ImpersonationRequest): ImpersonationDecision {
  if (!request.enabled) return 'disabled';
  const context = { orgIds: [request.subject.orgId] };
  if (!hasPermission(request.actorPermissions, IMPERSONATION_PERMISSION, context)) return 'not-an-impersonator';
  if (
    isAdministrator(request.subject.memberships) &&
    !hasPermission(request.actorPermissions, ADMIN_IMPERSONATION_PERMISSION, context)
  )
    return 'subject-is-an-admin';
  return 'allowed';
}

/**
 * A public client (auth method `none`) holding the grant: token exchange is for clients that authenticate (RFC 8693
 * §2.1; ZITADEL strongly advises against public clients, whose leaked tokens anyone could then exchange).
 */
export function publicClientExchanges(
  oidc: { authMethod?: string | null; grantTypes?: readonly string[] | null } | null | undefined,
): boolean {
  return oidc?.authMethod === 'none' && !!oidc.grantTypes?.includes('urn:ietf:params:oauth:grant-type:token-exchange');
}

/** An audience or scope value the exchanged token may not carry: it is on neither input token. */
export interface Widening {
  refused: string;
}

export type Narrowed = { values: string[] } | Widening;

/**
 * ZITADEL's `validateTokenExchangeAudience`: without a requested audience, the subject token's (or, for subjects that
 * carry none, the actor token's); a requested audience must lie within both tokens' audiences together
 * (GHSA-vrh8-c9cm-wh8v: an exchange never reaches an application the input tokens did not).
 */
export function narrowAudience(
  requested: readonly string[],
  subject: readonly string[],
  actor: readonly string[],
): Narrowed {
  if (requested.length === 0) return { values: [...(subject.length > 0 ? subject : actor)] };
  return withinUnion(requested, subject, actor);
}

/**
 * Scopes that say what a token may do (refresh, audiences, roles, orgs), not which claims of the user it carries:
 * ZITADEL's `isTokenExchangeAuthorizationScope`.
 */
export function isAuthorizationScope(scope: string): boolean {
  if (scope === 'offline_access' || scope === SCOPE.projectsRoles) return true;
  return [SCOPE.projectRole, SCOPE.projectId, SCOPE.orgId, SCOPE.orgDomainPrimary, SCOPE.roleOrgId, SCOPE.idpId].some(
    (prefix) => scope.startsWith(prefix),
  );
}

export interface ScopeInputs {
  requested: readonly string[];
  /** Null for subjects that carry no scope (a user id, an ID token, a self-signed JWT). */
  subject: readonly string[] | null;
  /** The actor token's scopes; the subject's own when there is no actor. */
  actor: readonly string[];
  /** An actor token was sent (impersonation or delegation). */
  actorPath: boolean;
}

/**
 * ZITADEL's `validateTokenExchangeScopes`. Without a requested scope, the subject token's, else the actor token's.
 * Every scope must be on one of the input tokens; only when impersonating a subject that carries no scope may the
 * request add scopes for the subject's own claims (`openid`, `profile`, `email`, metadata...), never authorization
 * scopes.
 */
export function narrowScopes(inputs: ScopeInputs): Narrowed {
  const subject = inputs.subject ?? [];
  let requested = [...inputs.requested];
  if (requested.length === 0) requested = subject.length > 0 ? [...subject] : [...inputs.actor];
  if (inputs.actorPath && subject.length === 0)
    return withinUnion(requested.filter(isAuthorizationScope), subject, inputs.actor, requested);
  return withinUnion(requested, subject, inputs.actor);
}

function withinUnion(
  checked: readonly string[],
  subject: readonly string[],
  actor: readonly string[],
  result: readonly string[] = checked,
): Narrowed {
  const allowed = new Set([...subject, ...actor]);
  const refused = checked.find((value) => !allowed.has(value));
  return refused === undefined ? { values: [...new Set(result)] } : { refused };
}
