import type { Client } from 'oidc-provider';
import { resolveProjectAliases } from '../domain/rules/audience.ts';
import { roleAudience, roleClaims, rolesByProject } from '../domain/rules/role-claims.ts';
import { parseReservedScopes, splitScope } from '../domain/rules/scopes.ts';
import { reservedUserClaims, scopedStandardClaims, standardClaims } from '../domain/rules/user-claims.ts';
import type { Account } from '../store/queries/accounts.ts';
import type { ClientInfo } from './clients.ts';
import { loadOrgDomains, loadRoleGrants } from '../store/queries/role-grants.ts';

/** Where the claims go; each output has its own assertion switches (docs/zitadel-behaviour.md §3). */
export type ClaimTarget = 'id_token' | 'userinfo' | 'access_token' | 'introspection';

export interface ClaimInput {
  instanceId: string;
  managementProjectId: string;
  account: Account;
  /** The scopes of the token or code: standard and reserved. */
  scope: string;
  target: ClaimTarget;
  /** The client the token was issued to. */
  client: ClientInfo;
  /** Introspection: the introspecting client's project is the current one. */
  currentProjectId?: string | null;
}

/**
 * Every claim Castellan adds for a token, as ZITADEL emits it: standard claims (userinfo, introspection,
 * and the ID token with `idTokenUserinfoAssertion`), resource-owner, org and metadata claims (always when
 * scoped), and role claims (userinfo and introspection always; ID and JWT access tokens by app switch),
 * read live from the user's active grants.
 */
export async function buildClaims(input: ClaimInput): Promise<Record<string, unknown>> {
  const { account, client, target } = input;
  const scopes = new Set(splitScope(input.scope));
  const reserved = parseReservedScopes(input.scope);
  const claims: Record<string, unknown> = {};

  const withStandard =
    target === 'userinfo' || target === 'introspection' || (target === 'id_token' && client.idTokenUserinfoAssertion);
  if (withStandard) Object.assign(claims, scopedStandardClaims(standardClaims(account.user, account.org), scopes));
  Object.assign(claims, reservedUserClaims(account.user, account.org, reserved));

  const assertRoles =
    target === 'userinfo' ||
    target === 'introspection' ||
    (target === 'id_token' && client.idTokenRoleAssertion) ||
    (target === 'access_token' && client.accessTokenRoleAssertion);
  if (!assertRoles) return claims;

  const currentProjectId = input.currentProjectId !== undefined ? input.currentProjectId : client.projectId;
  const request = {
    currentProjectId,
    projectRoleAssertion: client.projectRoleAssertion,
    audienceProjectIds: resolveProjectAliases(reserved.audienceProjectIds, input.managementProjectId),
    roleKeys: reserved.roleKeys,
    projectsRoles: reserved.projectsRoles,
    introspection: target === 'introspection',
  };
  const grants = await loadRoleGrants(input.instanceId, account.user._id, roleAudience(request), reserved.roleOrgIds);
  if (grants.length === 0) return claims;
  const domains = await loadOrgDomains(
    input.instanceId,
    grants.map((grant) => grant.orgId),
  );
  return Object.assign(
    claims,
    roleClaims(rolesByProject(grants, domains, request), currentProjectId, client.flatRolesClaim),
  );
}

/** Castellan's view of an oidc-provider client (carried in its metadata by the client adapter). */
export function clientInfo(client: Client): ClientInfo {
  return (client as unknown as { castellan: ClientInfo }).castellan;
}
