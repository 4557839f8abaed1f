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

/**
 * Counts one attempt of throttle `limit` for `key`: each inserts a document of its own, then counts those of the last
 * `windowSeconds`. Exact under concurrency on FerretDB v1 as on MongoDB: the k-th insert to land sees at least k.
 */
export async function countRateLimitHit(
  instanceId: string,
  limit: string,
  rawKey: string,
  windowSeconds: number,
): Promise<CountedHit> {
  const key = createHash('sha256').update(rawKey).digest('base64url');
  const now = Date.now();
  const id = newId();
  // Through the group commit: the two throttles of a login (and parallel logins') insert in one write.
  await insertBatched(RateLimitHit, {
    _id: id,
    instanceId,
    limit,
    key,
    at: new Date(now),
    expiresAt: new Date(now + windowSeconds * 1000),
  });
  // Through the driver: every password and code check counts twice, and mongoose's casting adds nothing to a filter
  // of strings and a date.
  const count = await RateLimitHit.collection.countDocuments({
    instanceId,
    limit,
    key,
    at: { $gt: new Date(now - windowSeconds * 1000) },
  });
  return { id, count };
}

/**
 * Takes back counted hits (attempts that succeeded, or were refused without being checked), through the group commit
 * of deletions: every successful login takes its hits back, parallel logins in one write.
 */
export function forgetRateLimitHits(ids: string[]): Promise<void> {
  return deleteBatcherFor(RateLimitHit.collection as unknown as Collection).delete(ids);
}
