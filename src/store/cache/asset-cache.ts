import { LRUCache } from 'lru-cache';
import { counter } from '../../platform/metrics.ts';

/** Bytes a process keeps of the instances' logos: many small pictures, the least recently served dropped first. */
const MAX_CACHED_ASSET_BYTES = 32 * 1024 * 1024;
/** Versions are immutable (their hash is in the key): age matters only to give memory back to busier ones. */
const MAX_AGE_MS = 60 * 60_000;

export interface CachedAsset {
  contentType: string;
  data: Buffer;
}

const lookups = counter('castellan_asset_cache_lookups_total', 'Branding asset cache lookups by result', ['result']);

/**
 * Logo bytes by instance and version: a cache of its own rather than the per-instance cache of cache/instance-cache.ts,
 * since a version never changes (nothing to invalidate when the instance changes) and entries are weighed by their
 * bytes. The instance's id leads every key, so one instance's request never finds another's logo. A missing asset is
 * not cached: serving asks for a version only after the owner's record (cached) names it.
 */
const assets = new LRUCache<string, CachedAsset, () => Promise<CachedAsset | null>>({
  maxSize: MAX_CACHED_ASSET_BYTES,
  sizeCalculation: (asset) => asset.data.length + asset.contentType.length + 64,
  ttl: MAX_AGE_MS,
  // Concurrent misses of one key share one load (LRUCache.fetch).
  fetchMethod: async (_key, _stale, { context }) => (await context()) ?? undefined,
});

export async function cachedAsset(
  instanceId: string,
  parts: readonly string[],
  load: () => Promise<CachedAsset | null>,
): Promise<CachedAsset | null> {
  const key = JSON.stringify([instanceId, ...parts]);
  lookups.inc({ result: assets.has(key) ? 'hit' : 'miss' });
  return (await assets.fetch(key, { context: load })) ?? null;
}
