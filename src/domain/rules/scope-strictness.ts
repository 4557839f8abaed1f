/**
 * How strictly the instance reads ZITADEL's reserved scopes that name something (instance setting
 * `strictReservedScopes`, issue 19). Strict: a scope naming what the instance does not have refuses the authorization.
 * Lenient: the org scopes are dropped (no org restriction), `:aud` and `roles:id` scopes pass unchecked as in ZITADEL
 * (docs/zitadel-behaviour.md §1.2: the id lands in `aud`; an unknown org matches no grant), and the IdP scope falls
 * back to the usual login (ZITADEL's v2 login, apps/login/src/lib/server/flow-initiation.ts). A role scope naming no
 * role of the client's project is dropped when lenient (§1.1).
 */
import type { InstanceSettings } from './instance-settings.ts';
import type { ResolvedOrgScope } from './org-scopes.ts';
import { MANAGEMENT_PROJECT_ALIAS, parseReservedScopes, SCOPE } from './scopes.ts';

export type ScopeStrictness = InstanceSettings['strictReservedScopes'];

/**
 * The org scopes a request keeps: those naming an org it may use (`activeOnly`: an active one), and the others only
 * when their kind is strict, so that `requiredOrg` refuses them.
 */
export function keptOrgScopes<Org extends { state: string }>(
  resolved: ResolvedOrgScope<Org>[],
  strictness: ScopeStrictness,
  { activeOnly }: { activeOnly: boolean },
): ResolvedOrgScope<Org>[] {
  return resolved.filter(
    ({ by, org }) =>
      (org && (!activeOnly || org.state === 'active')) || strictness[by === 'id' ? 'orgId' : 'orgDomainPrimary'],
  );
}

/** A scope whose target must exist, the instance reading it strictly. */
export interface StrictTarget {
  scope: string;
  kind: 'project' | 'org';
  id: string;
}

/** The `:aud` and `roles:id` scopes the instance reads strictly (the `zitadel` alias always names a project). */
export function strictTargets(scopes: string[], strictness: ScopeStrictness): StrictTarget[] {
  const reserved = parseReservedScopes(scopes);
  const projects = strictness.projectAudience
    ? reserved.audienceProjectIds.filter((id) => id !== MANAGEMENT_PROJECT_ALIAS)
    : [];
  const orgs = strictness.roleOrgId ? reserved.roleOrgIds : [];
  return [
    ...projects.map((id): StrictTarget => ({ scope: `${SCOPE.projectId}${id}:aud`, kind: 'project', id })),
    ...orgs.map((id): StrictTarget => ({ scope: `${SCOPE.roleOrgId}${id}`, kind: 'org', id })),
  ];
}

/**
 * The first role scope of the request that the client may not ask for (no role of its project, §1.1), when the instance
 * reads role scopes strictly; `kept`: the scopes that survived `allowedScopes`.
 */
export function refusedRoleScope(requested: string[], kept: string[], strictness: ScopeStrictness): string | undefined {
  if (!strictness.projectRole) return undefined;
  return requested.find((scope) => isRoleScope(scope) && !kept.includes(scope));
}

function isRoleScope(scope: string): boolean {
  return scope.startsWith(SCOPE.projectRole) && scope.length > SCOPE.projectRole.length;
}
