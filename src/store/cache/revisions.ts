import { randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/logger.ts';
import { CacheRevision } from '../models/cache-revision.ts';
import { cachedInstanceIds, dropInstanceCache } from './instance-cache.ts';

/** The revision each cached instance had when this process last looked. */
const seen = new Map<string, string | null>();

/**
 * Call after any write that cached data may depend on: drops this process's cache at once and
 * publishes a new revision, so other processes drop theirs at their next poll.
 */
export async function invalidateInstanceCaches(instanceId: string): Promise<void> {
  dropInstanceCache(instanceId);
  const revision = randomUUID();
  seen.set(instanceId, revision);
  await CacheRevision.replaceOne({ _id: instanceId }, { revision, changedAt: new Date() }, { upsert: true });
}

/** One read for every cached instance (a process may cache many), not one per instance. */
async function pollRevisions(): Promise<void> {
  const instanceIds = cachedInstanceIds();
  if (instanceIds.length === 0) return;
  const stored = await CacheRevision.find({ _id: { $in: instanceIds } }, { revision: 1 }).lean();
  const revisions = new Map(stored.map((entry) => [entry._id, entry.revision]));
  for (const instanceId of instanceIds) {
    const current = revisions.get(instanceId) ?? null;
    // An instance not seen before (undefined, which no revision equals) may have been cached before a change
    // this process never saw.
    if (seen.get(instanceId) !== current) dropInstanceCache(instanceId);
    seen.set(instanceId, current);
  }
}

/**
 * Polls the revisions of the instances this process caches. A change made by another process is
 * therefore seen within `intervalMs` (plus one look-up); changes made by this process at once.
 */
export function watchCacheRevisions(intervalMs: number, log: Logger): () => void {
  let running = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    pollRevisions()
      // A poll still under way when the database closes at shutdown is not worth a warning.
      .catch((error: unknown) => stopped || log.warn({ err: error }, 'cache revision poll failed'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
