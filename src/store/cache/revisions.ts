import { randomUUID } from 'node:crypto';
import type { Logger } from '../../platform/logger.ts';
import { CacheRevision } from '../models/cache-revision.ts';
import { dropInstanceCache } from './instance-cache.ts';

/**
 * How far back each poll looks before the previous one started: covers a revision written with an earlier clock
 * reading (its writer's) than it reached the database, and processes whose clocks differ by less than this.
 */
const OVERLAP_MS = 2_000;

/**
 * A revision older than this is read by no poll (each reads back to its previous one), so the sweeper deletes it: the
 * collection holds the instances changed lately, not every instance ever changed. A process whose polls failed for
 * longer misses those changes, and its cache entries age out within their own maximum age (cache/instance-cache.ts).
 */
export const REVISION_RETENTION_MS = 10 * 60_000;

/** The revisions this process has seen lately (written here, or read by a poll), with when it saw them. */
const seen = new Map<string, { revision: string; at: number }>();

/**
 * Call after any write that cached data may depend on: drops this process's cache at once and
 * publishes a new revision, so other processes drop theirs at their next poll.
 */
export async function invalidateInstanceCaches(instanceId: string): Promise<void> {
  dropInstanceCache(instanceId);
  const revision = randomUUID();
  seen.set(instanceId, { revision, at: Date.now() });
  await CacheRevision.replaceOne({ _id: instanceId }, { revision, changedAt: new Date() }, { upsert: true });
}

/**
 * One read of the revisions changed since the last poll (an index range on `changedAt`), whatever the number of
 * instances in the database or cached here: an instance changed in that window has its cache dropped (a no-op where
 * this process caches nothing of it), unless this process wrote or read that very revision already. An instance
 * cached after its last change holds what that change left; every later change falls into a later window.
 */
async function pollRevisions(since: number): Promise<void> {
  const changed = await CacheRevision.find(
    { changedAt: { $gte: new Date(since - OVERLAP_MS) } },
    { revision: 1 },
  ).lean();
  const now = Date.now();
  for (const { _id: instanceId, revision } of changed) {
    if (seen.get(instanceId)?.revision === revision) continue;
    dropInstanceCache(instanceId);
    seen.set(instanceId, { revision, at: now });
  }
  // What fell out of the window is never compared again.
  for (const [instanceId, entry] of seen) if (entry.at < since - 2 * OVERLAP_MS) seen.delete(instanceId);
}

/**
 * Polls the revisions of the instances this process caches. A change made by another process is
 * therefore seen within `intervalMs` (plus one look-up); changes made by this process at once.
 */
export function watchCacheRevisions(intervalMs: number, log: Logger): () => void {
  let running = false;
  let stopped = false;
  let since = Date.now();
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    const started = Date.now();
    pollRevisions(since)
      .then(() => {
        since = started;
      })
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
