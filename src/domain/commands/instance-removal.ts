import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { Instance } from '../../store/models/index.ts';
import { invalidateInstanceCaches } from '../../store/cache/revisions.ts';
import { deleteInstanceData, deleteInstanceRecord } from '../../store/queries/instance-data.ts';

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
  await Instance.updateOne({ _id: instanceId }, { $set: { state: 'removing' } });
  // Every process stops serving it at its next revision poll; this one at once.
  await invalidateInstanceCaches(instanceId);
  const deleted = await deleteInstanceData(instanceId, () => yieldToOthers());
  await deleteInstanceRecord(instanceId);
  await invalidateInstanceCaches(instanceId);
  // No event is left behind: an event is the instance's data too. The System API logs who removed it.
  return deleted;
}

/** Starts the removal in the background (the System API answers 202 at once); failures are retried at next start. */
export function startInstanceRemoval(instanceId: string, onFailure: (error: unknown) => void): void {
  removeInstanceNow(instanceId).catch(onFailure);
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
