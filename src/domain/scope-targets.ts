import { findOrg } from '../store/queries/accounts.ts';
import { existingProjectIds } from '../store/queries/project-ids.ts';
import { strictTargets, type ScopeStrictness } from './rules/scope-strictness.ts';

/** The first scope the instance reads strictly that names no project or org of the instance, or null. */
export async function firstUnknownTarget(
  instanceId: string,
  scopes: string[],
  strictness: ScopeStrictness,
): Promise<string | null> {
  const targets = strictTargets(scopes, strictness);
  const projects = await existingProjectIds(
    instanceId,
    targets.filter(({ kind }) => kind === 'project').map(({ id }) => id),
  );
  for (const target of targets) {
    const known = target.kind === 'project' ? projects.has(target.id) : (await findOrg(instanceId, target.id)) !== null;
    if (!known) return target.scope;
  }
  return null;
}
