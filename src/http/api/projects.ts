import { z } from 'zod';
import { PRIVATE_LABELING_SETTINGS, type ProjectDocument } from '../../store/models/project.ts';
import { listProjectGrants } from '../../domain/commands/project-grants.ts';
import {
  changeProject,
  createProject,
  listProjects,
  removeProject,
  setProjectState,
} from '../../domain/commands/projects.ts';
import { ORG, PROJECT } from './locators.ts';
import { grantedProjectView, toGrantedProjectView, GRANTS } from './project-grants.ts';
import { roleView, toRoleView } from './project-roles.ts';
import { route, stateRoutes, type ApiRoute } from './route.ts';
import { name, page, state } from './schemas.ts';

const projectSettings = {
  projectRoleAssertion: z.boolean().optional(),
  projectRoleCheck: z.boolean().optional(),
  hasProjectCheck: z.boolean().optional(),
  privateLabelingSetting: z.enum(PRIVATE_LABELING_SETTINGS).optional(),
};

const projectView = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  state,
  projectRoleAssertion: z.boolean(),
  projectRoleCheck: z.boolean(),
  hasProjectCheck: z.boolean(),
  privateLabelingSetting: z.enum(PRIVATE_LABELING_SETTINGS),
  roles: z.array(roleView),
});

function toProjectView(project: ProjectDocument): z.input<typeof projectView> {
  return {
    id: project._id,
    orgId: project.orgId,
    name: project.name,
    state: project.state,
    projectRoleAssertion: project.projectRoleAssertion,
    projectRoleCheck: project.projectRoleCheck,
    hasProjectCheck: project.hasProjectCheck,
    privateLabelingSetting: project.privateLabelingSetting,
    roles: project.roles.map(toRoleView),
  };
}

const PROJECTS = 'Projects';

/** An org's projects, own and granted to it, and each project's own settings and lifecycle. */
export const projectRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/orgs/{orgId}/projects',
    tag: PROJECTS,
    summary: 'Create a project (the creator becomes its PROJECT_OWNER)',
    permission: 'project.create',
    on: ORG,
    status: 201,
    body: z.strictObject({ name, ...projectSettings }),
    response: projectView,
    handler: async ({ target, body, actor }) => toProjectView(await createProject(actor, target._id, body)),
  }),
  route({
    method: 'get',
    path: '/orgs/{orgId}/projects',
    tag: PROJECTS,
    summary: "List an organization's own projects",
    permission: 'project.read',
    on: ORG,
    query: page,
    response: z.object({ projects: z.array(projectView) }),
    handler: async ({ target, query, actor }) => ({
      projects: (await listProjects(actor.instanceId, target._id, query)).map(toProjectView),
    }),
  }),
  route({
    method: 'get',
    path: '/orgs/{orgId}/granted-projects',
    tag: GRANTS,
    summary: "The project grants an organization received, with each project's name and the granted roles",
    permission: 'project.grant.read',
    on: ORG,
    query: page,
    response: z.object({ grants: z.array(grantedProjectView) }),
    handler: async ({ target, query, actor }) => ({
      grants: await Promise.all(
        (await listProjectGrants(actor.instanceId, { grantedOrgId: target._id }, query)).map((grant) =>
          toGrantedProjectView(actor.instanceId, grant),
        ),
      ),
    }),
  }),
  route({
    method: 'get',
    path: '/projects/{projectId}',
    tag: PROJECTS,
    summary: 'Read a project with its roles',
    permission: 'project.read',
    on: PROJECT,
    response: projectView,
    handler: async ({ target }) => toProjectView(target),
  }),
  route({
    method: 'patch',
    path: '/projects/{projectId}',
    tag: PROJECTS,
    summary: "Change a project's name or settings",
    permission: 'project.write',
    on: PROJECT,
    body: z.strictObject({ name: name.optional(), ...projectSettings }),
    response: projectView,
    handler: async ({ target, body, actor }) => toProjectView(await changeProject(actor, target, body)),
  }),
  ...stateRoutes({
    base: '/projects/{projectId}',
    tag: PROJECTS,
    permission: 'project.write',
    on: PROJECT,
    response: projectView,
    summaries: { deactivate: 'Deactivate a project (nothing is lost)', reactivate: 'Reactivate a project' },
    change: async ({ target, actor }, projectState) =>
      toProjectView(await setProjectState(actor, target, projectState)),
  }),
  route({
    method: 'delete',
    path: '/projects/{projectId}',
    tag: PROJECTS,
    summary: 'Delete a project with its grants, user grants, apps and managers',
    permission: 'project.delete',
    on: PROJECT,
    response: null,
    handler: ({ target, actor }) => removeProject(actor, target),
  }),
];
