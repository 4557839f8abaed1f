import { findOrg, findOrgByPrimaryDomain, type OrgSummary } from '../store/queries/accounts.ts';
import { orgScopesOf, type ResolvedOrgScope } from './rules/org-scopes.ts';

/** A request's org scopes with the orgs they name (cached look-ups by id and by primary domain). */
export function resolveOrgScopes(
  instanceId: string,
  scope: string | string[] | null | undefined,
): Promise<Array<ResolvedOrgScope<OrgSummary>>> {
  return Promise.all(
    orgScopesOf(scope).map(async (entry) => ({
      ...entry,
      org:
        entry.by === 'id'
          ? await findOrg(instanceId, entry.value)
          : await findOrgByPrimaryDomain(instanceId, entry.value),
    })),
  );
}
