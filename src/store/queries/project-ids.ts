import { Project } from '../models/index.ts';

/** Which of the ids name a project of the instance (read only when an instance checks `:aud` scopes strictly). */
export async function existingProjectIds(instanceId: string, projectIds: string[]): Promise<Set<string>> {
  if (projectIds.length === 0) return new Set();
  const found = await Project.find({ instanceId, _id: { $in: projectIds } }, { _id: 1 }).lean();
  return new Set(found.map((project) => String(project._id)));
}
