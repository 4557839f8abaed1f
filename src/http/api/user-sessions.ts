import { z } from 'zod';
import { terminateUserSession, terminateUserSessions, type SessionEnder } from '../../domain/commands/user-sessions.ts';
import { accountSessions, endAccountSessions } from '../../oidc/session-termination.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { USER } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

/** The provider's part of ending a user's sessions in the tenant: sessions, their grants' tokens, logout tokens. */
export function sessionEnder(tenant: Tenant): SessionEnder {
  return (userId, sessionId) => endAccountSessions(tenant.provider, tenant.instance._id, userId, sessionId);
}

const sessionView = z.object({
  id: z.string().describe("the session's uid (not the value of its cookie)"),
  signedInAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  clientIds: z.array(z.string()).describe('the apps the session signed in to'),
});

export const userSessionRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/users/{userId}/sessions',
    tag: 'Users',
    summary: "A user's sign-in sessions: when they signed in, until when, and to which apps (ZITADEL v2 ListSessions)",
    permission: 'session.read',
    on: USER,
    response: z.object({ sessions: z.array(sessionView) }),
    handler: async ({ target, tenant }) => ({
      sessions: await accountSessions(tenant.provider, tenant.instance._id, target._id),
    }),
  }),
  route({
    method: 'delete',
    path: '/users/{userId}/sessions/{sessionId}',
    tag: 'Users',
    summary:
      'End one sign-in session of a user, as DELETE /users/{userId}/sessions ends all: its tokens are revoked and ' +
      'its apps with a back-channel logout URI get a logout token; 404 when the user has no such session',
    permission: 'session.delete',
    on: USER,
    response: null,
    handler: ({ target, actor, tenant, params }) =>
      terminateUserSession(actor, target, params.sessionId ?? '', sessionEnder(tenant)),
  }),
  route({
    method: 'delete',
    path: '/users/{userId}/sessions',
    tag: 'Users',
    summary:
      "End every sign-in session of a user: the sessions' tokens are revoked (offline ones too) and the apps with a " +
      'back-channel logout URI get a logout token',
    // ZITADEL's permission for ending another user's sessions (docs/zitadel-behaviour.md §7); in the default mapping
    // exactly the roles that hold user.write hold it.
    permission: 'session.delete',
    on: USER,
    response: z.object({ terminatedSessions: z.number().int() }),
    handler: async ({ target, actor, tenant }) => ({
      terminatedSessions: await terminateUserSessions(actor, target, sessionEnder(tenant)),
    }),
  }),
];
