import type { Collection } from 'mongodb';
import { createHash } from 'node:crypto';
import { newId } from '../../platform/ids.ts';
import { RateLimitHit } from '../models/rate-limit-hit.ts';
import { insertBatched } from './batched-insert.ts';
import { deleteBatcherFor } from '../database/delete-batcher.ts';

export interface CountedHit {
  id: string;
  /** How many hits the window held once this one had landed (this one included), across every process. */
  count: number;
}

/** One attempt to count: the throttle, what it counts (hashed before it is stored) and its window. */
export interface HitToCount {
  limit: string;
  rawKey: string;
  windowSeconds: number;
}

/**
 * Counts one attempt for each of `hits` (a login's login name and IP address): each inserts a document of its own, then
 * one read of the windows' hits of every key counts them. Exact under concurrency on FerretDB v1 as on MongoDB: the
 * k-th insert to land sees at least k. One read for all the keys, not a count per key: equality and `$in` on the
 * indexed `instanceId`, `limit` and `key` are answered from the index on both databases (tools/ferretdb/pushdown.go),
 * where an `$or` of the pairs is not; the window is checked per hit on the few documents read (a key is blocked in
 * memory once over its limit, so a window holds about its limit's hits and the attempts in flight).
 */
export async function countRateLimitHits(instanceId: string, hits: HitToCount[]): Promise<CountedHit[]> {
  // Every throttle of the attempt switched off (`max` 0): nothing to count, and no window to read.
  if (!hits.length) return [];
  const now = Date.now();
  const counted = hits.map(({ limit, rawKey, windowSeconds }) => ({
    _id: newId(),
    instanceId,
    limit,
    key: createHash('sha256').update(rawKey).digest('base64url'),
    at: new Date(now),
    expiresAt: new Date(now + windowSeconds * 1000),
    since: now - windowSeconds * 1000,
  }));
  // Through the group commit: the hits of a login (and parallel logins') insert in one write.
  await Promise.all(counted.map(({ since: _since, ...hit }) => insertBatched(RateLimitHit, hit)));
  // Through the driver: mongoose's casting adds nothing to a filter of strings and a date.
  const stored = await RateLimitHit.collection
    .find(
      {
        instanceId,
        limit: { $in: [...new Set(counted.map(({ limit }) => limit))] },
        key: { $in: [...new Set(counted.map(({ key }) => key))] },
        at: { $gt: new Date(Math.min(...counted.map(({ since }) => since))) },
      },
      // All in the first reply (the default batch is 101 documents; a full one leaves the cursor open on FerretDB).
      { projection: { _id: 0, limit: 1, key: 1, at: 1 }, batchSize: 1000 },
    )
    .toArray();
  return counted.map(({ _id, limit, key, since }) => ({
    id: _id,
    count: stored.filter((hit) => hit.limit === limit && hit.key === key && (hit.at as Date).getTime() > since).length,
  }));
}

/**
 * Takes back counted hits (attempts that succeeded, or were refused without being checked), through the group commit
 * of deletions: every successful login takes its hits back, parallel logins in one write.
 */
export function forgetRateLimitHits(ids: string[]): Promise<void> {
  return deleteBatcherFor(RateLimitHit.collection as unknown as Collection).delete(ids);
}
