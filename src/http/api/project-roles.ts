import { z } from 'zod';
import type { ProjectDocument } from '../../store/models/project.ts';
import { addProjectRole, changeProjectRole, removeProjectRole } from '../../domain/commands/projects.ts';
import { PROJECT } from './locators.ts';
import { route, type ApiRoute } from './route.ts';
import { name, roleKey } from './schemas.ts';

const PROJECTS = 'Projects';

export const roleView = z.object({ key: z.string(), displayName: z.string(), group: z.string().nullable() });

export function toRoleView(role: ProjectDocument['roles'][number]): z.input<typeof roleView> {
  return { key: role.key, displayName: role.displayName, group: role.group ?? null };
}

/** A project's roles: what user grants and project grants hand out. */
export const projectRoleRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/projects/{projectId}/roles',
    tag: PROJECTS,
    summary: "A project's roles",
    permission: 'project.role.read',
    on: PROJECT,
    response: z.object({ roles: z.array(roleView) }),
    handler: async ({ target }) => ({ roles: target.roles.map(toRoleView) }),
  }),
  route({
    method: 'post',
    path: '/projects/{projectId}/roles',
    tag: PROJECTS,
    summary: 'Add a role to a project',
    permission: 'project.role.write',
    on: PROJECT,
    status: 201,
    body: z.strictObject({ key: roleKey, displayName: name, group: name.optional() }),
    response: roleView,
    async handler({ target, body, actor }) {
      await addProjectRole(actor, target, body);
      return { key: body.key, displayName: body.displayName, group: body.group ?? null };
    },
  }),
  route({
    method: 'patch',
    path: '/projects/{projectId}/roles/{key}',
    tag: PROJECTS,
    summary: "Change a role's display name or group",
    permission: 'project.role.write',
    on: PROJECT,
    body: z.strictObject({ displayName: name.optional(), group: name.optional() }),
    response: null,
    handler: ({ target, params, body, actor }) => changeProjectRole(actor, target, params.key ?? '', body),
  }),
  route({
    method: 'delete',
    path: '/projects/{projectId}/roles/{key}',
    tag: PROJECTS,
    summary: 'Remove a role from the project, its grants and its user grants',
    permission: 'project.role.delete',
    on: PROJECT,
    response: null,
    handler: ({ target, params, actor }) => removeProjectRole(actor, target, params.key ?? ''),
  }),
];
