import { complementClaims } from '../domain/actions/triggers.ts';
import { resolveProjectAliases } from '../domain/rules/audience.ts';
import { roleAudience, roleClaims, rolesByProject } from '../domain/rules/role-claims.ts';
import { parseReservedScopes, splitScope } from '../domain/rules/scopes.ts';
import {
  requestedStandardClaims,
  reservedUserClaims,
  scopedStandardClaims,
  standardClaims,
} from '../domain/rules/user-claims.ts';
import { cached, forgetCached } from '../store/cache/instance-cache.ts';
import { cacheKeys } from '../store/cache/keys.ts';
import { findActiveAccount, type Account } from '../store/queries/accounts.ts';
import type { ClientInfo } from './clients.ts';
import { loadOrgDomains, loadRoleGrants } from '../store/queries/role-grants.ts';
import { asProviderError } from './server-errors.ts';
import type { InstanceRecord } from './tenants.ts';

/** Where the claims go; each output has its own assertion switches (docs/zitadel-behaviour.md §3). */
export type ClaimTarget = 'id_token' | 'userinfo' | 'access_token' | 'introspection';

/** What claims depend on of the instance: its id, and its management project (the `zitadel` audience alias). */
export type ClaimInstance = Pick<InstanceRecord, '_id' | 'managementProjectId'>;

export interface ClaimRequest {
  /** The scopes of the token or code: standard and reserved. */
  scope: string | undefined;
  target: ClaimTarget;
  /** The client the token was issued to. */
  client: ClientInfo;
  /** Introspection: the introspecting client's project is the current one. */
  currentProjectId?: string | null;
  /** Claim names the `claims` request parameter asked for in this output (ID token or userinfo). */
  requestedClaims?: readonly string[];
}

/** Whether this output carries role claims: userinfo and introspection always; ID and JWT access tokens by switch. */
function assertsRoles(request: ClaimRequest): boolean {
  const { client, target } = request;
  return (
    target === 'userinfo' ||
    target === 'introspection' ||
    (target === 'id_token' && client.idTokenRoleAssertion) ||
    (target === 'access_token' && client.accessTokenRoleAssertion)
  );
}

function currentProjectOf(request: ClaimRequest): string | null {
  return request.currentProjectId !== undefined ? request.currentProjectId : request.client.projectId;
}

/**
 * Every claim Castellan adds for a token, then what the complement-token actions add (ZITADEL: pre-access-token
 * creation for JWT access tokens, pre-userinfo creation for the ID token, userinfo and introspection;
 * domain/actions/triggers.ts; one that fails and may not fail fails the request: oidc/server-errors.ts). The only
 * place claims are built: the ID token (oidc/accounts.ts), JWT access tokens, userinfo and introspection all call it.
 */
export async function buildClaims(
  instance: ClaimInstance,
  account: Account,
  request: ClaimRequest,
): Promise<Readonly<Record<string, unknown>>> {
  const claims = await memoizedClaims(instance, account, request);
  const trigger = request.target === 'access_token' ? 'pre-access-token-creation' : 'pre-userinfo-creation';
  const roles = {
    asserted: assertsRoles(request),
    currentProjectId: currentProjectOf(request),
    flat: request.client.flatRolesClaim,
  };
  return complementClaims(instance._id, trigger, account, claims, roles).catch((error: unknown) => {
    throw asProviderError(error);
  });
}

/**
 * What `castellanClaims` built for this account and request, from the instance cache: everything it reads is cached
 * there too, and dropped with it on any change in the instance (cache/instance-cache.ts, cache/revisions.ts). Deeply
 * frozen, since every caller of `buildClaims` receives the same object (freezing costs once per build, a copy on every
 * call). The account was read before this look-up: when a change dropped the cache in between, one of the two accounts
 * is no longer the cached one, so an entry built from another account than the caller's is forgotten (the next
 * look-up builds it from the account cached then) and this caller's claims are built from its own.
 */
async function memoizedClaims(
  instance: ClaimInstance,
  account: Account,
  request: ClaimRequest,
): Promise<Readonly<Record<string, unknown>>> {
  const { client } = request;
  const output = [
    request.target,
    request.scope ?? '',
    currentProjectOf(request) ?? '',
    instance.managementProjectId ?? '',
    [
      client.idTokenUserinfoAssertion,
      client.idTokenRoleAssertion,
      client.accessTokenRoleAssertion,
      client.projectRoleAssertion,
      client.flatRolesClaim,
    ]
      .map(Number)
      .join(''),
  ];
  const key = cacheKeys.claims(account.user._id, account.org._id, output, request.requestedClaims ?? []);
  const build = async () => ({ account, claims: deepFreeze(await castellanClaims(instance, account, request)) });
  const memo = await cached(instance._id, key, build);
  if (memo.account === account) return memo.claims;
  forgetCached(instance._id, key);
  return (await build()).claims;
}

/** The value with every object and array in it frozen. */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const member of Object.values(value)) deepFreeze(member);
  return Object.freeze(value);
}

/**
 * The claims Castellan itself emits, as ZITADEL does: standard claims (userinfo, introspection, and the ID token with
 * `idTokenUserinfoAssertion`), resource-owner, org and metadata claims (always when scoped), and role claims where
 * the output asserts them, read live from the user's active grants.
 */
async function castellanClaims(
  instance: ClaimInstance,
  account: Account,
  request: ClaimRequest,
): Promise<Record<string, unknown>> {
  const { client, target } = request;
  const scopes = new Set(splitScope(request.scope));
  const reserved = parseReservedScopes(request.scope);
  const claims: Record<string, unknown> = {};

  const withStandard =
    target === 'userinfo' || target === 'introspection' || (target === 'id_token' && client.idTokenUserinfoAssertion);
  const requested = request.requestedClaims ?? [];
  if (withStandard || requested.length) {
    const standard = standardClaims(account.user, account.org);
    if (withStandard) Object.assign(claims, scopedStandardClaims(standard, scopes));
    // OpenID Connect Core 1.0 §5.5: claims requested by name are returned besides those of the scopes, in the ID
    // token too (whatever idTokenUserinfoAssertion says: the relying party asked for them there).
    Object.assign(claims, requestedStandardClaims(standard, requested));
  }
  Object.assign(claims, reservedUserClaims(account.user, account.org, reserved));

  if (!assertsRoles(request)) return claims;

  const currentProjectId = currentProjectOf(request);
  const roles = {
    currentProjectId,
    projectRoleAssertion: client.projectRoleAssertion,
    audienceProjectIds: resolveProjectAliases(reserved.audienceProjectIds, instance.managementProjectId),
    roleKeys: reserved.roleKeys,
    projectsRoles: reserved.projectsRoles,
    introspection: target === 'introspection',
  };
  const grants = await loadRoleGrants(instance._id, account.user._id, roleAudience(roles), reserved.roleOrgIds);
  if (grants.length === 0) return claims;
  const domains = await loadOrgDomains(
    instance._id,
    grants.map((grant) => grant.orgId),
  );
  return Object.assign(
    claims,
    roleClaims(rolesByProject(grants, domains, roles), currentProjectId, client.flatRolesClaim),
  );
}

/**
 * The claims of the active account `subject` names, or null when it names none (a deactivated user or org, a deleted
 * user): such a token has no claims.
 */
export async function activeAccountClaims(
  instance: ClaimInstance,
  subject: string | null | undefined,
  request: ClaimRequest,
): Promise<Readonly<Record<string, unknown>> | null> {
  const account = subject ? await findActiveAccount(instance._id, subject) : null;
  return account ? buildClaims(instance, account, request) : null;
}
