import type { LRUCache } from 'lru-cache';

/**
 * Frees a cache's idle entries (those past their `ttl`) every half `ttl`, and returns what stops it.
 *
 * Not lru-cache's own `ttlAutopurge`: with `updateAgeOnGet` it replaces a timer on every get, one `Timeout` allocated
 * per look-up (four to six per token request in the instance caches, one per request in the provider registry;
 * bench/README.md, "Allocations"). A stale entry is never served either way (a get finds nothing once it is stale):
 * the sweep only gives its memory back, within half a `ttl` more.
 */
export function sweepIdleEntries<K extends object | string, V extends object>(
  cache: LRUCache<K, V>,
  ttlMs: number,
): () => void {
  const timer = setInterval(() => cache.purgeStale(), Math.max(ttlMs / 2, 1));
  timer.unref();
  return () => clearInterval(timer);
}
