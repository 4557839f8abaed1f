import { z } from 'zod';
import type { ProjectGrantDocument } from '../../store/models/project-grant.ts';
import {
  changeProjectGrantRoles,
  createProjectGrant,
  listProjectGrants,
  removeProjectGrant,
  setProjectGrantState,
} from '../../domain/commands/project-grants.ts';
import { findProject } from '../../domain/commands/projects.ts';
import { loadProject, PROJECT, PROJECT_GRANT, PROJECT_GRANT_VIEW } from './locators.ts';
import { route, stateRoutes, type ApiRoute } from './route.ts';
import { id, page, roleKeys, state } from './schemas.ts';

export const GRANTS = 'Project grants';

export const grantView = z.object({
  id: z.string(),
  projectId: z.string(),
  orgId: z.string(),
  grantedOrgId: z.string(),
  roleKeys: z.array(z.string()),
  state,
});
export const toGrantView = (grant: ProjectGrantDocument): z.input<typeof grantView> => ({
  id: grant._id,
  projectId: grant.projectId,
  orgId: grant.orgId,
  grantedOrgId: grant.grantedOrgId,
  roleKeys: grant.roleKeys,
  state: grant.state,
});

/** A grant as the receiving org sees it: the project's name and the granted roles' names, read only. */
export const grantedProjectView = grantView.extend({
  projectName: z.string(),
  roles: z.array(z.object({ key: z.string(), displayName: z.string() })),
});
export async function toGrantedProjectView(
  instanceId: string,
  grant: ProjectGrantDocument,
): Promise<z.input<typeof grantedProjectView>> {
  const project = await findProject(instanceId, grant.projectId);
  const names = new Map(project?.roles.map((role) => [role.key, role.displayName ?? role.key]));
  return {
    ...toGrantView(grant),
    projectName: project?.name ?? '',
    roles: grant.roleKeys.map((key) => ({ key, displayName: names.get(key) ?? key })),
  };
}

/** A project granted to other orgs, each with a subset of its roles (the granted side's list: projects.ts). */
export const projectGrantRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/projects/{projectId}/grants',
    tag: GRANTS,
    summary: 'Grant the project to another organization with a subset of its roles',
    permission: 'project.grant.write',
    on: PROJECT,
    status: 201,
    body: z.strictObject({ grantedOrgId: id, roleKeys }),
    response: grantView,
    handler: async ({ target, body, actor }) =>
      toGrantView(await createProjectGrant(actor, target, body.grantedOrgId, body.roleKeys)),
  }),
  route({
    method: 'get',
    path: '/projects/{projectId}/grants',
    tag: GRANTS,
    summary: "A project's grants",
    permission: 'project.grant.read',
    on: PROJECT,
    query: page,
    response: z.object({ grants: z.array(grantView) }),
    handler: async ({ target, query, actor }) => ({
      grants: (await listProjectGrants(actor.instanceId, { projectId: target._id }, query)).map(toGrantView),
    }),
  }),
  route({
    method: 'get',
    path: '/projects/{projectId}/grants/{grantId}',
    tag: GRANTS,
    summary: "Read a project grant with the project's name and the granted roles (also visible to the granted org)",
    permission: 'project.grant.read',
    on: PROJECT_GRANT_VIEW,
    response: grantedProjectView,
    handler: ({ target, actor }) => toGrantedProjectView(actor.instanceId, target),
  }),
  route({
    method: 'patch',
    path: '/projects/{projectId}/grants/{grantId}',
    tag: GRANTS,
    summary: "Replace the grant's role subset; dropped roles leave its user grants",
    permission: 'project.grant.write',
    on: PROJECT_GRANT,
    body: z.strictObject({ roleKeys }),
    response: grantView,
    handler: async ({ target, params, body, actor }) =>
      toGrantView(await changeProjectGrantRoles(actor, await loadProject(actor, params), target, body.roleKeys)),
  }),
  ...stateRoutes({
    base: '/projects/{projectId}/grants/{grantId}',
    tag: GRANTS,
    permission: 'project.grant.write',
    on: PROJECT_GRANT,
    response: grantView,
    summaries: {
      deactivate: 'Deactivate a project grant (user grants are kept)',
      reactivate: 'Reactivate a project grant',
    },
    change: async ({ target, actor }, grantState) => toGrantView(await setProjectGrantState(actor, target, grantState)),
  }),
  route({
    method: 'delete',
    path: '/projects/{projectId}/grants/{grantId}',
    tag: GRANTS,
    summary: 'Delete a project grant with its user grants and managers',
    permission: 'project.grant.delete',
    on: PROJECT_GRANT,
    response: null,
    handler: ({ target, actor }) => removeProjectGrant(actor, target),
  }),
];
