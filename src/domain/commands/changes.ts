import { withinUnitOfChange } from '../../store/cache/unit-of-change.ts';
import { recordEvent } from '../../store/queries/events.ts';
import { isDuplicateKeyError, rewriteArray } from '../../store/queries/array-rewrite.ts';
import { conflict, type DomainError } from '../errors.ts';
import { keyAdditionProblem, type StoredPublicKey } from '../rules/key-sets.ts';

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

/**
 * The write path of every command: its writes, and those of the cascade steps it calls, form one unit of change of
 * the actor's instance (store/cache/unit-of-change.ts). If it wrote anything, every process's cache of the instance is
 * invalidated once, when it ends (succeeded or failed half-way), wherever it was called from: API, setup, a script.
 */
export function asOneChange<T>(actor: Actor, command: () => Promise<T>): Promise<T> {
  return withinUnitOfChange(actor.instanceId, command);
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

/** Other writers kept changing what a command had to change: the caller may retry. */
export function concurrentChange(): DomainError {
  return conflict('the resource is being changed concurrently; retry');
}

/** store's rewriteArray for commands: false when no document matches, a conflict when writers keep colliding. */
export async function changeArray<T>(...args: Parameters<typeof rewriteArray<T>>): Promise<boolean> {
  const outcome = await rewriteArray<T>(...args);
  if (outcome === 'contended') throw concurrentChange();
  return outcome === 'done';
}

/** The key set with `key` added (for changeArray); a conflict when it cannot join (domain/rules/key-sets.ts). */
export function withAddedKey<K extends StoredPublicKey>(keys: K[], key: K, holder: string): K[] {
  const problem = keyAdditionProblem(keys, key, holder);
  if (problem) throw conflict(problem);
  return [...keys, key];
}
