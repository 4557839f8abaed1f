import { z } from 'zod';
import { terminateUserSessions, type SessionEnder } from '../../domain/commands/user-sessions.ts';
import { endAccountSessions } from '../../oidc/session-termination.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { USER } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

/** The provider's part of ending a user's sessions in the tenant: sessions, their grants' tokens, logout tokens. */
export function sessionEnder(tenant: Tenant): SessionEnder {
  return (userId) => endAccountSessions(tenant.provider, tenant.instance._id, userId);
}

export const userSessionRoutes: ApiRoute[] = [
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
