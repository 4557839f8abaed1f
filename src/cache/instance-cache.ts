import { LRUCache } from 'lru-cache';

/**
 * Per-instance caches of what the hot paths (token, introspection, userinfo, login, API authentication)
 * read on every request: clients, accounts, role grants, orgs, memberships. An instance's cache is dropped
 * as a whole when anything in the instance changes (cache/revisions.ts tells every process); entries
 * also age out, and the least recently used go first when an instance holds many users.
 */

const MAX_ENTRIES_PER_INSTANCE = 20_000;
const MAX_AGE_MS = 5 * 60_000;

type InstanceCache = LRUCache<string, Promise<unknown>>;

const caches = new Map<string, InstanceCache>();

/** The cached value for `key` in the instance's cache, loading it once when missing; failed loads are not kept. */
export function cached<T>(instanceId: string, key: string, load: () => PromiseLike<T>): Promise<T> {
  let cache = caches.get(instanceId);
  if (!cache) caches.set(instanceId, (cache = new LRUCache({ max: MAX_ENTRIES_PER_INSTANCE, ttl: MAX_AGE_MS })));
  const hit = cache.get(key) as Promise<T> | undefined;
  if (hit) return hit;
  // A real promise, settled once: a mongoose query is a thenable that runs again on every `then`.
  const value = Promise.resolve(load());
  // A load that started before a drop lands in the dropped cache, never in its successor.
  const owner = cache;
  owner.set(key, value);
  value.catch(() => {
    if (owner.peek(key) === value) owner.delete(key);
  });
  return value;
}

/** Forgets everything cached for the instance in this process. */
export function dropInstanceCache(instanceId: string): void {
  caches.delete(instanceId);
}

/** The instances this process holds a cache for. */
export function cachedInstanceIds(): string[] {
  return [...caches.keys()];
}
