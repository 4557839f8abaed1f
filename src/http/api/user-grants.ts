import { z } from 'zod';
import type { UserGrantDocument } from '../../store/models/user-grant.ts';
import {
  changeUserGrantRoles,
  createUserGrant,
  listUserGrants,
  removeUserGrant,
  setUserGrantState,
} from '../../domain/commands/user-grants.ts';
import { NEW_USER_GRANT, ORG_USER_GRANTS, USER_GRANT } from './locators.ts';
import { route, stateRoutes, type ApiRoute } from './route.ts';
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
      'Give a user (of any organization) roles on a project, as the granting org: ' +
      "its own project's roles, or within its project grant's subset",
    permission: 'user.grant.write',
    on: NEW_USER_GRANT,
    status: 201,
    body: z.strictObject({ userId: id, projectId: id, roleKeys }),
    response: userGrantView,
    handler: async ({ target, body, actor }) =>
      toUserGrantView(await createUserGrant(actor, { orgId: target.org._id, ...body }, target.projectGrantId)),
  }),
  route({
    method: 'get',
    path: '/orgs/{orgId}/user-grants',
    tag: TAG,
    summary: 'The user grants an organization made, optionally for one user or project',
    permission: 'user.grant.read',
    on: ORG_USER_GRANTS,
    query: page.extend({ userId: id.optional(), projectId: id.optional() }),
    response: z.object({ userGrants: z.array(userGrantView) }),
    async handler({ target, query, actor }) {
      const { org, within } = target;
      const filter = { orgId: org._id, userId: query.userId, projectId: query.projectId, within };
      return { userGrants: (await listUserGrants(actor.instanceId, filter, query)).map(toUserGrantView) };
    },
  }),
  route({
    method: 'get',
    path: '/orgs/{orgId}/user-grants/{userGrantId}',
    tag: TAG,
    summary: 'Read a user grant',
    permission: 'user.grant.read',
    on: USER_GRANT,
    response: userGrantView,
    handler: async ({ target }) => toUserGrantView(target),
  }),
  route({
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
  route({
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
