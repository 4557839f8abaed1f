import type { UserDocument } from '../../store/models/user.ts';
import { notFound } from '../errors.ts';
import { recordChange, type Actor } from './changes.ts';

/**
 * Ends a user's sign-in sessions, or the one named; the provider's part (oidc/session-termination.ts), given by the
 * caller. Returns how many ended.
 */
export type SessionEnder = (userId: string, sessionId?: string) => Promise<number>;

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

/** A manager ends one sign-in session of a user (ZITADEL v2 DeleteSession): a session not of the user is a 404. */
export async function terminateUserSession(
  actor: Actor,
  user: UserDocument,
  sessionId: string,
  endSessions: SessionEnder,
): Promise<void> {
  if ((await endSessions(user._id, sessionId)) === 0) throw notFound();
  await recordChange(actor, {
    orgId: user.orgId,
    type: 'user.session.terminated',
    resourceType: 'user',
    resourceId: user._id,
    payload: { sessionId },
  });
}
