/**
 * ZITADEL's role claims (docs/zitadel-behaviour.md §2.1, §2.2), as pure functions over the user's grants. The claim
 * shape follows ZITADEL's code, not its docs: `{ roleKey: { grantingOrgId: grantingOrgPrimaryDomain } }`.
 */

export const ROLES_CLAIM = 'urn:zitadel:iam:org:project:roles';
export const FLAT_ROLES_CLAIM = 'roles';

export function projectRolesClaim(projectId: string): string {
  return `urn:zitadel:iam:org:project:${projectId}:roles`;
}

/** One active user grant, reduced to what the claims need. */
export interface GrantRow {
  projectId: string;
  /** The granting org (the grant's resource owner). */
  orgId: string;
  roleKeys: string[];
}

export type RoleClaim = Record<string, Record<string, string>>;

export interface RoleRequest {
  /** The client's project (auth code, refresh, userinfo) or the introspecting client's; null for machines. */
  currentProjectId: string | null;
  projectRoleAssertion: boolean;
  /** From `…:project:id:{id}:aud` scopes, with the `zitadel` alias already resolved. */
  audienceProjectIds: string[];
  /** From `…:project:role:{key}` scopes: a filter on role keys. */
  roleKeys: string[];
  projectsRoles: boolean;
  /** Introspection looks at the introspecting client's project only, and always. */
  introspection: boolean;
}

/** The projects whose grants are read (ZITADEL's "role audience", `prepareRoles`). */
export function roleAudience(request: RoleRequest): string[] {
  const projects = new Set<string>();
  const rolesRequested = request.roleKeys.length > 0;
  if (!request.introspection && (rolesRequested || request.projectsRoles))
    request.audienceProjectIds.forEach((id) => projects.add(id));
  const { currentProjectId } = request;
  if (
    currentProjectId &&
    (request.projectRoleAssertion || request.introspection || projects.size > 0 || rolesRequested)
  )
    projects.add(currentProjectId);
  return [...projects];
}

/** Role key → granting org → that org's primary domain, per project; grants from several orgs merge. */
export function rolesByProject(
  grants: GrantRow[],
  orgDomains: ReadonlyMap<string, string>,
  request: Pick<RoleRequest, 'roleKeys'>,
): Map<string, RoleClaim> {
  const filter = request.roleKeys.length ? new Set(request.roleKeys) : null;
  const byProject = new Map<string, RoleClaim>();
  for (const grant of grants) {
    const domain = orgDomains.get(grant.orgId);
    if (domain === undefined) continue;
    for (const key of grant.roleKeys) {
      if (filter && !filter.has(key)) continue;
      let claim = byProject.get(grant.projectId);
      if (!claim) byProject.set(grant.projectId, (claim = {}));
      (claim[key] ??= {})[grant.orgId] = domain;
    }
  }
  return byProject;
}

/**
 * The claims to emit: one per project with at least one role, plus the generic claim for the current
 * project; with `flat`, also `roles: [key, …]` of the current project (Castellan's addition for RPs that
 * cannot read the object map).
 */
export function roleClaims(
  byProject: ReadonlyMap<string, RoleClaim>,
  currentProjectId: string | null,
  flat: boolean,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [projectId, claim] of byProject) claims[projectRolesClaim(projectId)] = claim;
  const current = currentProjectId ? byProject.get(currentProjectId) : undefined;
  if (current) {
    claims[ROLES_CLAIM] = current;
    if (flat) claims[FLAT_ROLES_CLAIM] = Object.keys(current).sort();
  }
  return claims;
}
