import { HttpError } from '../middleware/errors.ts';
import { recordEvent } from './events.ts';

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

export function isDuplicateKeyError(error: unknown): boolean {
  return (error as { code?: unknown }).code === 11000;
}

/** Runs an insert or update; a unique-index violation becomes a 409 with the given message. */
export async function uniquely<T>(write: () => Promise<T>, conflictMessage: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new HttpError(409, conflictMessage);
    throw error;
  }
}

/** One message for every 404, so that a resource the caller may not see is indistinguishable from a missing one. */
export const NOT_FOUND_MESSAGE = 'No such resource';

export function notFound(): HttpError {
  return new HttpError(404, NOT_FOUND_MESSAGE);
}

/** Refuses an unusable reference in the request body, naming the field. */
export function invalidField(field: string, message: string): HttpError {
  return new HttpError(400, `${field}: ${message}`, { errors: [{ field, message }] });
}

interface ArrayModel {
  findOne(filter: Record<string, unknown>, projection: Record<string, 1>): { lean(): PromiseLike<Record<string, unknown> | null> };
  updateOne(filter: Record<string, unknown>, update: Record<string, unknown>, options?: Record<string, unknown>): PromiseLike<{ matchedCount: number }>;
}

/**
 * Rewrites an array of subdocuments with compare-and-set on its current value, retrying when another
 * writer changed it in between. FerretDB v1 cannot `$pull` by a subdocument field or update through
 * the positional operator, and this keeps concurrent edits of different elements from losing each other.
 * `change` may throw (e.g. a 409) and returns the new array. Returns false when no document matches.
 */
export async function rewriteArray<T>(model: ArrayModel, filter: Record<string, unknown>, field: string, change: (current: T[]) => T[]): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const found = await model.findOne(filter, { [field]: 1 }).lean();
    if (!found) return false;
    const current = (found[field] ?? []) as T[];
    const result = await model.updateOne({ ...filter, [field]: current }, { $set: { [field]: change(current) } }, { runValidators: true });
    if (result.matchedCount === 1) return true;
  }
  throw new HttpError(409, 'the resource is being changed concurrently; retry');
}
