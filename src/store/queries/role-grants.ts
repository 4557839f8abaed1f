import { cached } from '../cache/instance-cache.ts';
import { cacheKeys } from '../cache/keys.ts';
import { UserGrant } from '../models/index.ts';
import { findOrg } from './accounts.ts';

/** One active user grant, reduced to what the roles claim needs (domain/rules/role-claims.ts). */
export interface RoleGrantRow {
  projectId: string;
  orgId: string;
  roleKeys: string[];
}

/**
 * The user's active grants on the given projects (optionally only those made by `roleOrgIds`), cached until the
 * instance changes (cache/revisions.ts), so a removed grant is gone from the next token once every process has seen the
 * change. Project-grant and project state are not consulted, as in ZITADEL (docs/zitadel-behaviour.md §2.1).
 */
export async function loadRoleGrants(
  instanceId: string,
  userId: string,
  projectIds: string[],
  roleOrgIds: string[],
): Promise<RoleGrantRow[]> {
  if (projectIds.length === 0) return [];
  return cached(instanceId, cacheKeys.roleGrants(userId, projectIds, roleOrgIds), () =>
    UserGrant.find(
      {
        instanceId,
        userId,
        state: 'active',
        projectId: { $in: projectIds },
        ...(roleOrgIds.length ? { orgId: { $in: roleOrgIds } } : {}),
      },
      { _id: 0, projectId: 1, orgId: 1, roleKeys: 1 },
    ).lean<RoleGrantRow[]>(),
  );
}

/** Granting org id → its primary domain, for the inner objects of the roles claim. */
export async function loadOrgDomains(instanceId: string, orgIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(orgIds)];
  const orgs = await Promise.all(ids.map((id) => findOrg(instanceId, id)));
  return new Map(orgs.flatMap((org) => (org ? [[org._id, org.primaryDomain] as const] : [])));
}
