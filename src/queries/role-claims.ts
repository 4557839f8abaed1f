import type { GrantRow } from '../libraries/role-claims.ts';
import { UserGrant } from '../models/index.ts';
import { findOrg } from './accounts.ts';

/**
 * The user's active grants on the given projects (optionally only those made by `roleOrgIds`), in one
 * indexed query, read live so a removed grant is gone from the next token. Project-grant and project
 * state are not consulted, as in ZITADEL (spec §2.1).
 */
export async function loadRoleGrants(instanceId: string, userId: string, projectIds: string[], roleOrgIds: string[]): Promise<GrantRow[]> {
  if (projectIds.length === 0) return [];
  return UserGrant.find(
    { instanceId, userId, state: 'active', projectId: { $in: projectIds }, ...(roleOrgIds.length ? { orgId: { $in: roleOrgIds } } : {}) },
    { _id: 0, projectId: 1, orgId: 1, roleKeys: 1 },
  ).lean();
}

/** Granting org id → its primary domain, for the inner objects of the roles claim. */
export async function loadOrgDomains(instanceId: string, orgIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(orgIds)];
  const orgs = await Promise.all(ids.map((id) => findOrg(instanceId, id)));
  return new Map(orgs.flatMap((org) => (org ? [[org._id, org.primaryDomain] as const] : [])));
}
