import {
  decideAccess,
  hasPermission,
  type AccessDecision,
  type AccessRule,
  type Permissions,
  type ResourceContext,
} from './permissions.ts';

// What a caller may see of a list: lists filter by these in the database query and page afterwards, so a page is
// never cut short by items the caller may not see.

/** Where a caller holds one permission: the whole instance, or these orgs, projects and project grants. */
export interface Reach {
  instance: boolean;
  orgIds: string[];
  projectIds: string[];
  grantIds: string[];
}

export function reachOf(permissions: Permissions, permission: string): Reach {
  const holding = (scopes: ReadonlyMap<string, ReadonlySet<string>>) =>
    [...scopes].filter(([, held]) => held.has(permission)).map(([id]) => id);
  return {
    instance: permissions.instance.has(permission),
    orgIds: holding(permissions.orgs),
    projectIds: holding(permissions.projects),
    grantIds: holding(permissions.grants),
  };
}

/** The org ids whose org-level holders see them (null: every org of the instance). */
export function visibleOrgIds(reach: Reach): string[] | null {
  return reach.instance ? null : reach.orgIds;
}

/** allow-parts: the caller may act on some parts of the whole only (see decideAccessInParts). */
export type PartialAccessDecision = AccessDecision | 'allow-parts';

/**
 * decideAccess for a whole whose parts have managers of their own (an org's user grants: the managers of one of its
 * projects, or of a project grant it received, read those on their project or grant): allow on the whole; otherwise
 * allow-parts when the permission is held on one of the parts; otherwise forbidden or not-found as for the whole.
 */
export function decideAccessInParts(
  permissions: Permissions,
  rule: AccessRule,
  whole: ResourceContext,
  parts: readonly ResourceContext[],
  visibleContext: ResourceContext = whole,
): PartialAccessDecision {
  const decision = decideAccess(permissions, rule, whole, visibleContext);
  if (decision === 'allow') return decision;
  return parts.some((part) => hasPermission(permissions, rule.permission, part)) ? 'allow-parts' : decision;
}
