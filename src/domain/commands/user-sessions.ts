import type { UserDocument } from '../../store/models/user.ts';
import { recordChange, type Actor } from './changes.ts';

/** Ends a user's sign-in sessions; the provider's part (oidc/session-termination.ts), given by the caller. */
export type SessionEnder = (userId: string) => Promise<number>;

/**
 * A manager ends every sign-in session of a user (ZITADEL's "terminate sessions"): the apps are told by back-channel
 * logout, and the event names how many sessions ended. Returns that number.
 */
export async function terminateUserSessions(
  actor: Actor,
  user: UserDocument,
  endSessions: SessionEnder,
): Promise<number> {
  const sessions = await endSessions(user._id);
  await recordChange(actor, {
    orgId: user.orgId,
    type: 'user.sessions.terminated',
    resourceType: 'user',
    resourceId: user._id,
    payload: { sessions },
  });
  return sessions;
}
