import { Instance } from '../../store/models/index.ts';
import { invalidateInstanceCaches } from '../../store/cache/revisions.ts';
import { deleteInstanceData, deleteInstanceRecord, type DeletionBatches } from '../../store/queries/instance-data.ts';
import { SYSTEM_ACTOR } from '../../store/queries/events.ts';
import { releaseLease, renewLease, takeLease } from '../../store/queries/leases.ts';
import { recordSystemEvent } from '../../store/queries/system-events.ts';
import type { Config } from '../../platform/config.ts';
import { Pacer } from '../../platform/pacer.ts';
import { sweepOidcArtifactsAfter, sweepSequence } from './oidc-artifact-sweeps.ts';

/** How a removal works in batches (config `system.removal`). */
export type RemovalSettings = Config['system']['removal'];

/** A creation older than this that never finished was cut short by a crash: its remains are removed. */
const ABANDONED_CREATION_MS = 10 * 60_000;

/**
 * One process at a time removes an instance: the holder of this lease, renewed while it works. A holder that died
 * leaves it to expire, and the next look for unfinished removals (resumeInstanceRemovals) takes over.
 */
const REMOVAL_LEASE_MS = 60_000;

/** The removals running in this process, so that a repeated request joins the running one. */
const running = new Map<string, Promise<number>>();

/** One pacer per process (per configuration): removals running together share its duty cycle. */
const pacers = new WeakMap<RemovalSettings, Pacer>();

function pacerFor(settings: RemovalSettings): Pacer {
  let pacer = pacers.get(settings);
  if (!pacer) pacers.set(settings, (pacer = new Pacer(settings)));
  return pacer;
}

/**
 * Removes the instance and everything of it, a batch per step, paced (platform/pacer.ts) so that other instances'
 * requests keep their latency. Resumable and idempotent: the record stays `removing` until the very end, so a removal
 * cut short is finished by the next look for unfinished ones (resumeInstanceRemovals), and running it again deletes
 * only what is left; while one process holds the removal's lease, another's attempt returns at once (0 deleted).
 */
export function removeInstanceNow(instanceId: string, settings: RemovalSettings): Promise<number> {
  let removal = running.get(instanceId);
  if (!removal) {
    removal = removeLeased(instanceId, settings).finally(() => running.delete(instanceId));
    running.set(instanceId, removal);
  }
  return removal;
}

async function removeLeased(instanceId: string, settings: RemovalSettings): Promise<number> {
  const leaseKey = `instance-removal:${instanceId}`;
  const holder = await takeLease(leaseKey, REMOVAL_LEASE_MS);
  if (!holder) return 0;
  let lost = false;
  const heartbeat = setInterval(() => {
    renewLease(leaseKey, holder, REMOVAL_LEASE_MS).then(
      (held) => (lost ||= !held),
      () => undefined,
    );
  }, REMOVAL_LEASE_MS / 4);
  heartbeat.unref();
  const pacer = pacerFor(settings);
  const batches: DeletionBatches = {
    batchSize: settings.batchSize,
    step: (work) =>
      pacer.step(() => {
        if (lost) throw new Error(`the removal of instance ${instanceId} was taken over by another process`);
        return work();
      }),
  };
  try {
    return await remove(instanceId, batches);
  } finally {
    clearInterval(heartbeat);
    await releaseLease(leaseKey, holder);
  }
}

async function remove(instanceId: string, batches: DeletionBatches): Promise<number> {
  // No projection: FerretDB v1's findAndModify does not implement `fields`.
  const previous = await Instance.findOneAndUpdate(
    { _id: instanceId },
    { $set: { state: 'removing' } },
    { returnDocument: 'before' },
  ).lean();
  const markedAt = sweepSequence();
  // Every process stops serving it at its next revision poll; this one at once.
  await invalidateInstanceCaches(instanceId);
  let deleted = await deleteInstanceData(instanceId, batches);
  deleted += await sweepOidcArtifactsAfter(markedAt, batches);
  // Not a paced step: no pause between the record's going (GET answers 404) and the event saying so.
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

/** Starts the removal in the background; failures are retried by the next look for unfinished removals. */
function startInstanceRemoval(
  instanceId: string,
  settings: RemovalSettings,
  onFailure: (error: unknown) => void,
): void {
  removeInstanceNow(instanceId, settings).catch(onFailure);
}

/**
 * An operator's removal (the System API answers 202 at once): recorded in the deployment's audit log with who asked,
 * then started. Asked again while it runs, it joins the running one.
 */
export async function requestInstanceRemoval(
  actorId: string,
  instanceId: string,
  settings: RemovalSettings,
  onFailure: (error: unknown) => void,
): Promise<void> {
  await recordSystemEvent({ instanceId, actorId, type: 'instance.removal.requested' });
  startInstanceRemoval(instanceId, settings, onFailure);
}

/**
 * At start and then periodically (process/server.ts): finishes the removals and abandoned creations a stop or crash
 * interrupted. One another process is working on keeps its lease and is left to it.
 */
export async function resumeInstanceRemovals(
  settings: RemovalSettings,
  onFailure: (error: unknown) => void,
): Promise<number> {
  const abandoned = new Date(Date.now() - ABANDONED_CREATION_MS);
  const unfinished = await Instance.find(
    { $or: [{ state: 'removing' }, { state: 'creating', createdAt: { $lt: abandoned } }] },
    { _id: 1 },
  ).lean();
  for (const { _id } of unfinished) startInstanceRemoval(_id, settings, onFailure);
  return unfinished.length;
}
