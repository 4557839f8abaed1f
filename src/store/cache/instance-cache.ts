import { LRUCache } from 'lru-cache';
import { sweepIdleEntries } from '../../platform/idle-sweep.ts';
import { summedCounter } from '../../platform/metrics.ts';

/**
 * Per-instance caches of what the hot paths (token, introspection, userinfo, login, API authentication)
 * read on every request: clients, accounts, role grants, orgs, memberships. An instance's cache is dropped
 * as a whole when anything in the instance changes (cache/revisions.ts tells every process); entries
 * also age out, and the least recently used go first when an instance holds many users, or when the process holds
 * more than its limit across instances (`cacheMaxEntries`).
 */

const MAX_ENTRIES_PER_INSTANCE = 20_000;
const MAX_AGE_MS = 5 * 60_000;

/**
 * An instance's entries, at most MAX_ENTRIES_PER_INSTANCE, counted as a size of 1 each rather than with `max`:
 * lru-cache allocates its arrays for `max` entries (and their ages) up front, about 0.64 MB of heap per cached instance
 * whatever it holds (192 MB for 300 instances of one entry each, test/foundation/instance-cache.test.ts); without `max`
 * they grow with the entries.
 */
function instanceEntries(): InstanceCache['entries'] {
  return new LRUCache({
    maxSize: MAX_ENTRIES_PER_INSTANCE,
    sizeCalculation: () => 1,
    ttl: MAX_AGE_MS,
    // Called for every entry that leaves: replaced, evicted, expired, deleted, or cleared with its instance's cache.
    dispose: () => entryCount--,
  });
}

/**
 * Dropping a cache moves it to a new generation: entries of older ones read as missing and are replaced
 * or evicted as usual. A fresh LRU per drop would allocate and fill its arrays for all 20,000 entries on
 * every write (measured: a fifth of the management API's CPU).
 */
interface InstanceCache {
  generation: number;
  entries: LRUCache<string, CacheEntry>;
}

/** A load and, once it has succeeded, its value (for `cachedNow`, which cannot wait for the promise). */
interface CacheEntry {
  generation: number;
  value: Promise<unknown>;
  settled: boolean;
  result: unknown;
}

/**
 * The instances this process caches: only those used lately (bounded, idle ones dropped), so neither memory nor the
 * revision poll grows with the number of instances in the database.
 */
const MAX_CACHED_INSTANCES = 2_000;
const caches = new LRUCache<string, InstanceCache>({
  max: MAX_CACHED_INSTANCES,
  ttl: MAX_AGE_MS,
  updateAgeOnGet: true,
  dispose: (cache) => cache.entries.clear(),
});
// An idle instance's cache is never read (a get finds nothing once stale): the sweep frees it.
sweepIdleEntries(caches, MAX_AGE_MS);

/**
 * Entries held across every instance's cache, and how many at most (`cacheMaxEntries`, config/default.json): the
 * per-instance cap alone let a process hold 2,000 × 20,000 of them, about 1 KB of heap each (a user's record, measured)
 * and more for role grants. Past the limit, entries go from the least recently used instances first, each instance's
 * least recently used first: the instances serving now keep theirs.
 */
let entryCount = 0;
let maxEntries = Number.POSITIVE_INFINITY;

/** Sets the process-wide limit (process/server.ts, from the configuration), dropping entries at once if over it. */
export function limitCachedEntries(limit: number): void {
  maxEntries = limit;
  dropEntriesOverLimit();
}

/** How many entries this process's instance caches hold, all instances together. */
export function cachedEntryCount(): number {
  return entryCount;
}

function dropEntriesOverLimit(): void {
  if (entryCount <= maxEntries) return;
  // rvalues: least recently used instance first (typed as possibly undefined; the live ones only, in fact).
  for (const cache of caches.rvalues()) {
    while (entryCount > maxEntries && cache && cache.entries.size > 0) cache.entries.pop();
    if (entryCount <= maxEntries) return;
  }
}

const countLookup = summedCounter(
  'castellan_cache_lookups_total',
  'Instance cache lookups by result (hit or miss)',
  'result',
  ['hit', 'miss'],
);

/** The cached value for `key` in the instance's cache, loading it once when missing; failed loads are not kept. */
export function cached<T>(instanceId: string, key: string, load: () => PromiseLike<T>): Promise<T> {
  let cache = caches.get(instanceId);
  if (!cache) caches.set(instanceId, (cache = { generation: 0, entries: instanceEntries() }));
  const { generation, entries } = cache;
  const hit = entries.get(key);
  if (hit?.generation === generation) {
    countLookup('hit');
    return hit.value as Promise<T>;
  }
  countLookup('miss');
  // A real promise, settled once: a mongoose query is a thenable that runs again on every `then`.
  const value = Promise.resolve(load());
  // A load that started before a drop belongs to the older generation, never to its successor.
  const entry: CacheEntry = { generation, value, settled: false, result: undefined };
  entries.set(key, entry);
  entryCount++;
  dropEntriesOverLimit();
  value.then(
    (result) => {
      entry.settled = true;
      entry.result = result;
    },
    () => {
      if (entries.peek(key) === entry) entries.delete(key);
    },
  );
  return value;
}

/**
 * The value `cached` would answer for `key` when it is loaded already, without a promise to wait on: the look-up on
 * every request (oidc/tenants.ts `forHostAtOnce`) costs no microtasks then. Undefined when nothing is cached, the load
 * is still running or failed, or the instance's cache was dropped since: the caller then calls `cached`. A hit is
 * counted as `cached` counts it.
 */
export function cachedNow<T>(instanceId: string, key: string): T | undefined {
  const cache = caches.get(instanceId);
  const hit = cache?.entries.get(key);
  if (!cache || !hit?.settled || hit.generation !== cache.generation) return undefined;
  countLookup('hit');
  return hit.result as T;
}

/** Forgets one entry of the instance's cache in this process, so that the next look-up loads it again. */
export function forgetCached(instanceId: string, key: string): void {
  caches.peek(instanceId)?.entries.delete(key);
}

/** Forgets everything cached for the instance in this process. */
export function dropInstanceCache(instanceId: string): void {
  const cache = caches.peek(instanceId);
  if (cache) cache.generation++;
}

/** The instances this process holds a cache for. */
export function cachedInstanceIds(): string[] {
  return [...caches.keys()];
}

/** Whether this process holds a cache for the instance. */
export function cachesInstance(instanceId: string): boolean {
  return caches.has(instanceId);
}
