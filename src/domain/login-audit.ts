import { counter } from '../platform/metrics.ts';
import { User } from '../store/models/index.ts';
import { findScoped } from '../store/queries/scoped.ts';
import { newEvent, recordEvent, recordEvents, type NewEvent, type RequestOrigin } from '../store/queries/events.ts';

const logins = counter('castellan_logins_total', 'Password logins by instance and outcome', ['instance', 'outcome']);

/** Counts a login attempt by its outcome (a password's check, or an unknown login name). */
export type LoginOutcome = 'success' | 'wrong' | 'locked' | 'inactive' | 'unknown_user';

export function countLogin(instanceId: string, outcome: LoginOutcome): void {
  logins.inc({ instance: instanceId, outcome });
}

/**
 * A finished login (every step passed and the user is allowed in): counted and in the audit trail, in one insert with
 * the events of its checks that were not recorded yet (a second factor's success, domain/second-factor.ts).
 */
export async function recordLogin(
  instanceId: string,
  user: { _id: string; orgId: string },
  origin: RequestOrigin,
  checks: readonly NewEvent[] = [],
): Promise<void> {
  countLogin(instanceId, 'success');
  const login = newEvent({
    instanceId,
    orgId: user.orgId,
    actorId: user._id,
    type: 'user.login.succeeded',
    resourceType: 'user',
    resourceId: user._id,
    payload: { ...origin },
  });
  await recordEvents([...checks, login]);
}

/** A user's logout (the provider's end_session), when the session named the user. */
export async function recordLogout(instanceId: string, userId: string, origin: RequestOrigin): Promise<void> {
  const user = await findScoped(User, instanceId, userId, {}, { _id: 1, orgId: 1 });
  if (!user) return;
  await recordEvent({
    instanceId,
    orgId: user.orgId,
    actorId: user._id,
    type: 'user.logout',
    resourceType: 'user',
    resourceId: user._id,
    payload: { ...origin },
  });
}

/**
 * A token revoked at the revocation endpoint, on the user it was issued for (a person, or the machine user of client
 * credentials); the client that revoked it is in the origin. The token itself is not kept.
 */
export async function recordRevocation(
  instanceId: string,
  userId: string,
  tokenKind: string,
  origin: RequestOrigin,
): Promise<void> {
  const user = await findScoped(User, instanceId, userId, {}, { _id: 1, orgId: 1 });
  if (!user) return;
  await recordEvent({
    instanceId,
    orgId: user.orgId,
    actorId: user._id,
    type: 'user.token.revoked',
    resourceType: 'user',
    resourceId: user._id,
    payload: { tokenKind, ...origin },
  });
}
