import { z } from 'zod';
import {
  MAX_QUERIES,
  MAX_QUERY_VALUE,
  TEXT_FIELDS,
  TEXT_METHODS,
  USER_STATES,
  USER_TYPES,
  userSearchFilter,
} from '../../domain/rules/user-search.ts';
import { findOrgUsersMatching } from '../../store/queries/user-search.ts';
import { ORG } from './locators.ts';
import { route, type ApiRoute } from './route.ts';
import { page } from './schemas.ts';
import { toUserView, userView } from './user-view.ts';

/** One query of ZITADEL's ListUsers (`userNameQuery`, `emailQuery`, `stateQuery`, …) as `field`, `method`, `value`. */
const userQuery = z.discriminatedUnion('field', [
  z.strictObject({
    field: z.enum(TEXT_FIELDS),
    method: z.enum(TEXT_METHODS),
    value: z.string().min(1).max(MAX_QUERY_VALUE),
  }),
  z.strictObject({ field: z.literal('state'), value: z.enum(USER_STATES) }),
  z.strictObject({ field: z.literal('type'), value: z.enum(USER_TYPES) }),
]);

export const userSearchBody = z.strictObject({
  queries: z.array(userQuery).max(MAX_QUERIES).default([]),
  limit: page.shape.limit,
  offset: page.shape.offset,
});

export const userSearchRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/orgs/{orgId}/users/_search',
    tag: 'Users',
    summary:
      "Search an organization's users, as ZITADEL's ListUsers: every query must match. Text fields (userName, " +
      'loginName, displayName, email, firstName, lastName) with a method (equals, startsWith, contains, endsWith, ' +
      `each also …IgnoreCase) and a value of at most ${MAX_QUERY_VALUE} characters, matched literally; state and ` +
      `type by equality; at most ${MAX_QUERIES} queries. Only this organization's users are searched`,
    permission: 'user.read',
    on: ORG,
    body: userSearchBody,
    response: z.object({ users: z.array(userView) }),
    handler: async ({ target: org, body, actor }) => ({
      users: (await findOrgUsersMatching(actor.instanceId, org._id, userSearchFilter(body.queries, org), body)).map(
        (user) => toUserView(user, org.primaryDomain),
      ),
    }),
  }),
];
