import { z } from 'zod';
import { hasPermission } from '../../domain/rules/permissions.ts';
import { orgContext, userGrantContext } from '../../domain/rules/resource-context.ts';
import type { UserGrantDocument } from '../../store/models/user-grant.ts';
import {
  changeUserGrantRoles,
  createUserGrant,
  listUserGrants,
  projectAccessOf,
  removeUserGrant,
  setUserGrantState,
} from '../../domain/commands/user-grants.ts';
import { notFound } from '../../domain/errors.ts';
import { loadOrg, USER_GRANT, userGrantContextOf } from './load.ts';
import { resourceRoute, route, stateRoutes, type ApiRoute } from './route.ts';
import { id, page, roleKeys, state } from './schemas.ts';

const TAG = 'User grants';
const userGrantView = z.object({
  id: z.string(),
  orgId: z.string(),
  userId: z.string(),
  userOrgId: z.string(),
  projectId: z.string(),
  projectGrantId: z.string().nullable(),
  roleKeys: z.array(z.string()),
  state,
});
const toUserGrantView = (grant: UserGrantDocument): z.input<typeof userGrantView> => ({
  id: grant._id,
  orgId: grant.orgId,
  userId: grant.userId,
  userOrgId: grant.userOrgId,
  projectId: grant.projectId,
  projectGrantId: grant.projectGrantId ?? null,
  roleKeys: grant.roleKeys,
  state: grant.state,
});

export const userGrantRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/orgs/{orgId}/user-grants',
    tag: TAG,
    summary:
      "Give a user (of any organization) roles on a project, as the granting org: its own project's roles, or within its project grant's subset",
    permission: 'user.grant.write',
    resource: 'org',
    status: 201,
    body: z.strictObject({ userId: id, projectId: id, roleKeys }),
    response: userGrantView,
    async handler({ params, body, actor, authorize }) {
      const org = await loadOrg(actor, params);
      const access = await projectAccessOf(actor.instanceId, org._id, body.projectId);
      // A project the org neither owns nor was granted does not exist from this org's point of view.
      const context = userGrantContext({
        orgId: org._id,
        projectId: body.projectId,
        projectGrantId: access?.projectGrantId ?? null,
      });
      authorize(context);
      if (!access) throw notFound();
      return toUserGrantView(await createUserGrant(actor, { orgId: org._id, ...body }, access.projectGrantId));
    },
  }),
  route({
    method: 'get',
    path: '/orgs/{orgId}/user-grants',
    tag: TAG,
    summary: 'The user grants an organization made, optionally for one user or project',
    permission: 'user.grant.read',
    resource: 'org',
    query: page.extend({ userId: id.optional(), projectId: id.optional() }),
    response: z.object({ userGrants: z.array(userGrantView) }),
    async handler({ params, query, actor, caller, authorize }) {
      const org = await loadOrg(actor, params);
      const grants = await listUserGrants(
        actor.instanceId,
        { orgId: org._id, userId: query.userId, projectId: query.projectId },
        query,
      );
      const visible = grants.filter((grant) =>
        hasPermission(caller.permissions, 'user.grant.read', userGrantContextOf(grant)),
      );
      // Project and grant managers see their part of the list; the org itself must be visible otherwise.
      authorize(visible.length ? userGrantContextOf(visible[0]!) : orgContext(org._id));
      return { userGrants: visible.map(toUserGrantView) };
    },
  }),
  resourceRoute({
    method: 'get',
    path: '/orgs/{orgId}/user-grants/{userGrantId}',
    tag: TAG,
    summary: 'Read a user grant',
    permission: 'user.grant.read',
    on: USER_GRANT,
    response: userGrantView,
    handler: async ({ target }) => toUserGrantView(target),
  }),
  resourceRoute({
    method: 'patch',
    path: '/orgs/{orgId}/user-grants/{userGrantId}',
    tag: TAG,
    summary: "Replace a user grant's roles",
    permission: 'user.grant.write',
    on: USER_GRANT,
    body: z.strictObject({ roleKeys }),
    response: userGrantView,
    handler: async ({ target, body, actor }) =>
      toUserGrantView(await changeUserGrantRoles(actor, target, body.roleKeys)),
  }),
  ...stateRoutes({
    base: '/orgs/{orgId}/user-grants/{userGrantId}',
    tag: TAG,
    permission: 'user.grant.write',
    on: USER_GRANT,
    response: userGrantView,
    summaries: {
      deactivate: 'Deactivate a user grant (its roles leave tokens; nothing is lost)',
      reactivate: 'Reactivate a user grant',
    },
    change: async ({ target, actor }, grantState) =>
      toUserGrantView(await setUserGrantState(actor, target, grantState)),
  }),
  resourceRoute({
    method: 'delete',
    path: '/orgs/{orgId}/user-grants/{userGrantId}',
    tag: TAG,
    summary: 'Delete a user grant',
    permission: 'user.grant.delete',
    on: USER_GRANT,
    response: null,
    handler: ({ target, actor }) => removeUserGrant(actor, target),
  }),
];
