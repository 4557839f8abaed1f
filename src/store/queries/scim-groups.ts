import { Project, ProjectGrant, User, UserGrant } from '../models/index.ts';
import type { UserGrantDocument } from '../models/user-grant.ts';

/** A project role an org may assign: of a project it owns, or within a project grant it holds. */
export interface AssignableRole {
  projectId: string;
  projectName: string;
  roleKey: string;
  projectGrantId: string | null;
}

/** Every role the org may assign, ordered by project and then as the project lists its roles. */
export async function assignableRolesOf(instanceId: string, orgId: string): Promise<AssignableRole[]> {
  const [owned, grants] = await Promise.all([
    Project.find({ instanceId, orgId }, { name: 1, roles: 1 }).sort({ _id: 1 }).lean(),
    ProjectGrant.find({ instanceId, grantedOrgId: orgId }, { projectId: 1, roleKeys: 1 }).sort({ _id: 1 }).lean(),
  ]);
  const granted = grants.length
    ? await Project.find({ instanceId, _id: { $in: grants.map((grant) => grant.projectId) } }, { name: 1, roles: 1 })
        .sort({ _id: 1 })
        .lean()
    : [];
  const roles: AssignableRole[] = owned.flatMap((project) =>
    project.roles.map((role) => ({
      projectId: project._id,
      projectName: project.name,
      roleKey: role.key,
      projectGrantId: null,
    })),
  );
  for (const project of granted) {
    const grant = grants.find((candidate) => candidate.projectId === project._id);
    for (const role of project.roles)
      if (grant?.roleKeys.includes(role.key))
        roles.push({ projectId: project._id, projectName: project.name, roleKey: role.key, projectGrantId: grant._id });
  }
  return roles;
}

/** The org's user grants to its own users on the given projects (the members of its groups). */
export function ownUserGrantsOn(instanceId: string, orgId: string, projectIds: string[]): Promise<UserGrantDocument[]> {
  return UserGrant.find({ instanceId, orgId, userOrgId: orgId, projectId: { $in: projectIds } })
    .sort({ _id: 1 })
    .lean<UserGrantDocument[]>();
}

/** Display names of the given users of an org (humans only, as SCIM's Users are). */
export async function humanNamesOf(instanceId: string, orgId: string, userIds: string[]): Promise<Map<string, string>> {
  const users = userIds.length
    ? await User.find(
        { instanceId, orgId, type: 'human', _id: { $in: userIds } },
        { 'human.displayName': 1, 'human.givenName': 1, 'human.familyName': 1 },
      ).lean<Array<{ _id: string; human?: { displayName?: string; givenName: string; familyName: string } }>>()
    : [];
  return new Map(
    users.map((user) => [user._id, user.human?.displayName || `${user.human?.givenName} ${user.human?.familyName}`]),
  );
}
