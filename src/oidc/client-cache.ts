/**
 * Per-instance caches for the hot paths (token, introspection, userinfo): clients and the orgs that key
 * role claims. Writes in this process call `invalidateClientCache(instanceId)`; entries also expire after
 * a short time, which bounds staleness when another process made the write.
 */

const TTL_MS = 30_000;

interface Entry<T> {
  value: Promise<T>;
  expiresAt: number;
}

const caches = new Map<string, Map<string, Entry<unknown>>>();

/** The cached value for `key` in the instance's cache, loading it once when missing or expired. */
export function cached<T>(instanceId: string, key: string, load: () => Promise<T>): Promise<T> {
  let cache = caches.get(instanceId);
  if (!cache) caches.set(instanceId, (cache = new Map()));
  const now = Date.now();
  const hit = cache.get(key) as Entry<T> | undefined;
  if (hit && hit.expiresAt > now) return hit.value;
  const value = load();
  const entry = { value, expiresAt: now + TTL_MS };
  cache.set(key, entry);
  // A failed load must not be served from the cache.
  value.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return value;
}

/** Call after any write to an application, project, org or machine user of the instance. */
export function invalidateClientCache(instanceId: string): void {
  caches.delete(instanceId);
}
