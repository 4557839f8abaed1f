import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { Instance } from '../../store/models/index.ts';
import { invalidateInstanceCaches } from '../../store/cache/revisions.ts';
import { deleteInstanceData, deleteInstanceRecord } from '../../store/queries/instance-data.ts';
import { SYSTEM_ACTOR } from '../../store/queries/events.ts';
import { recordSystemEvent } from '../../store/queries/system-events.ts';

/** A creation older than this that never finished was cut short by a crash: its remains are removed. */
const ABANDONED_CREATION_MS = 10 * 60_000;

/** The removals running in this process, so that a repeated request joins the running one. */
const running = new Map<string, Promise<number>>();

/**
 * Removes the instance and everything of it, in batches (store/queries/instance-data.ts) that let other instances'
 * requests through between them. Resumable and idempotent: the record stays `removing` until the very end, so a
 * removal cut short is finished by the next start (resumeInstanceRemovals) or the next request, and running it again
 * deletes only what is left.
 */
export function removeInstanceNow(instanceId: string): Promise<number> {
  let removal = running.get(instanceId);
  if (!removal) {
    removal = remove(instanceId).finally(() => running.delete(instanceId));
    running.set(instanceId, removal);
  }
  return removal;
}

async function remove(instanceId: string): Promise<number> {
  // No projection: FerretDB v1's findAndModify does not implement `fields`.
  const previous = await Instance.findOneAndUpdate(
    { _id: instanceId },
    { $set: { state: 'removing' } },
    { returnDocument: 'before' },
  ).lean();
  // Every process stops serving it at its next revision poll; this one at once.
  await invalidateInstanceCaches(instanceId);
  const deleted = await deleteInstanceData(instanceId, () => yieldToOthers());
  await deleteInstanceRecord(instanceId);
  await invalidateInstanceCaches(instanceId);
  // The instance's own events went with it; the deployment's log keeps that it was removed (a creation that failed
  // half-way, or one a crash cut short, was never an instance anyone used).
  if (previous)
    await recordSystemEvent({
      instanceId,
      actorId: SYSTEM_ACTOR,
      type: previous.state === 'creating' ? 'instance.creation.undone' : 'instance.removed',
      payload: { name: previous.name, deletedDocuments: deleted },
    });
  return deleted;
}

/** Starts the removal in the background; failures are retried at next start. */
function startInstanceRemoval(instanceId: string, onFailure: (error: unknown) => void): void {
  removeInstanceNow(instanceId).catch(onFailure);
}

/**
 * An operator's removal (the System API answers 202 at once): recorded in the deployment's audit log with who asked,
 * then started. Asked again while it runs, it joins the running one.
 */
export async function requestInstanceRemoval(
  actorId: string,
  instanceId: string,
  onFailure: (error: unknown) => void,
): Promise<void> {
  await recordSystemEvent({ instanceId, actorId, type: 'instance.removal.requested' });
  startInstanceRemoval(instanceId, onFailure);
}

/** At start: finishes the removals and abandoned creations a stop or crash interrupted. */
export async function resumeInstanceRemovals(onFailure: (error: unknown) => void): Promise<number> {
  const abandoned = new Date(Date.now() - ABANDONED_CREATION_MS);
  const unfinished = await Instance.find(
    { $or: [{ state: 'removing' }, { state: 'creating', createdAt: { $lt: abandoned } }] },
    { _id: 1 },
  ).lean();
  for (const { _id } of unfinished) startInstanceRemoval(_id, onFailure);
  return unfinished.length;
}
