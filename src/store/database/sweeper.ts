import type { Model } from 'mongoose';
import type { Logger } from '../../platform/logger.ts';
import { OidcConsumption, oidcPayloadModels } from '../models/oidc-payload.ts';

/**
 * FerretDB v1 deletes the documents a filter matched by listing their ids as SQL parameters, and fails
 * past SQLite's limit of 32,766 (docs/portable-mongodb.md). So large deletions go in batches of ids.
 */
const DELETE_BATCH = 5_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any model whose documents have string ids
export async function deleteInBatches(model: Model<any>, filter: Record<string, unknown>): Promise<number> {
  let deleted = 0;
  for (;;) {
    const ids = (await model.find(filter, { _id: 1 }).limit(DELETE_BATCH).lean<Array<{ _id: string }>>()).map(
      (document) => document._id,
    );
    if (ids.length === 0) return deleted;
    deleted += (await model.deleteMany({ _id: { $in: ids } })).deletedCount;
    if (ids.length < DELETE_BATCH) return deleted;
  }
}

/** Deletes expired OIDC artifacts. The provider re-checks expiry on every read, so lag here is harmless. */
export async function sweepExpired(now = new Date()): Promise<number> {
  const expired = { expiresAt: { $lt: now } };
  const results = await Promise.all(
    [...oidcPayloadModels(), OidcConsumption].map((model) => deleteInBatches(model as never, expired)),
  );
  return results.reduce((sum, count) => sum + count, 0);
}

export function startSweeper(intervalSeconds: number, log: Logger): () => void {
  const timer = setInterval(() => {
    sweepExpired().then(
      (deleted) => deleted && log.debug({ deleted }, 'expired OIDC artifacts swept'),
      (error: unknown) => log.warn({ err: error }, 'sweep of expired OIDC artifacts failed'),
    );
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
