import { recordEvent } from '../../store/queries/events.ts';
import { isDuplicateKeyError, rewriteArray } from '../../store/queries/array-rewrite.ts';
import { conflict } from '../errors.ts';

/** Who makes a change, in which instance: every domain write records an event naming the actor. */
export interface Actor {
  instanceId: string;
  actorId: string;
}

export interface Change {
  orgId: string | null;
  type: string;
  resourceType: string;
  resourceId: string;
  payload?: Record<string, unknown>;
}

export function recordChange(actor: Actor, change: Change): Promise<void> {
  return recordEvent({ instanceId: actor.instanceId, actorId: actor.actorId, ...change });
}

/** Runs an insert or update; a unique-index violation becomes a conflict with the given message. */
export async function uniquely<T>(write: () => Promise<T>, conflictMessage: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isDuplicateKeyError(error)) throw conflict(conflictMessage);
    throw error;
  }
}

/** store's rewriteArray for commands: false when no document matches, a conflict when writers keep colliding. */
export async function changeArray<T>(...args: Parameters<typeof rewriteArray<T>>): Promise<boolean> {
  const outcome = await rewriteArray<T>(...args);
  if (outcome === 'contended') throw conflict('the resource is being changed concurrently; retry');
  return outcome === 'done';
}
