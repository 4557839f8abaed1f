import type { ScimGrant } from './users.ts';

/** A user grant the org made, as the grants extension sees it. */
export interface ExistingGrant {
  _id: string;
  projectId: string;
  roleKeys: readonly string[];
}

/** The user-grant commands that turn the org's grants of a user into the desired ones. */
export interface GrantPlan<G extends ExistingGrant = ExistingGrant> {
  create: ScimGrant[];
  change: Array<{ grant: G; roles: string[] }>;
  remove: G[];
}

const sameRoles = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((role, index) => role === [...b].sort()[index]);

/**
 * The extension lists every project the org gave the user roles on: a listed project gets exactly its roles (a new
 * user grant, or the existing one changed), an unlisted one loses its user grant.
 */
export function planGrants<G extends ExistingGrant>(
  existing: readonly G[],
  desired: readonly ScimGrant[],
): GrantPlan<G> {
  const byProject = new Map(existing.map((grant) => [grant.projectId, grant]));
  const wanted = new Set(desired.map((grant) => grant.projectId));
  const plan: GrantPlan<G> = {
    create: [],
    change: [],
    remove: existing.filter((grant) => !wanted.has(grant.projectId)),
  };
  for (const grant of desired) {
    const current = byProject.get(grant.projectId);
    if (!current) plan.create.push(grant);
    else if (!sameRoles(current.roleKeys, grant.roles)) plan.change.push({ grant: current, roles: grant.roles });
  }
  return plan;
}

export function isEmptyPlan(plan: GrantPlan): boolean {
  return !plan.create.length && !plan.change.length && !plan.remove.length;
}
