import type { MongooseQueryMiddleware, Schema } from 'mongoose';
import { cachedDataChanged } from './unit-of-change.ts';

const QUERY_WRITES: MongooseQueryMiddleware[] = [
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
];

/**
 * Whether a query write may have changed a document: it matched, upserted or deleted one, or found the one it
 * returns. Matched rather than modified, so that FerretDB v1's count of modified documents is not relied on. A write
 * that matched nothing (a compare-and-set that lost, the lock of a user already locked) changed nothing.
 */
function mayHaveChanged(result: unknown): boolean {
  if (result === null || result === undefined) return false;
  const counts = result as { matchedCount?: number; upsertedCount?: number; deletedCount?: number };
  if (counts.deletedCount !== undefined) return counts.deletedCount > 0;
  if (counts.matchedCount !== undefined) return counts.matchedCount + (counts.upsertedCount ?? 0) > 0;
  return true;
}

function instanceIdIn(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The one place cache invalidation starts: every write through a model with this plugin that may have changed a
 * document tells the unit of change it belongs to (cache/unit-of-change.ts), which publishes the instance's cache
 * revision. `instanceIdPath` names the field holding the instance id (`_id` for the instance itself).
 */
export function invalidateCachesOnWrite(schema: Schema, options: { instanceIdPath?: string } = {}): void {
  const path = options.instanceIdPath ?? 'instanceId';
  schema.post(
    QUERY_WRITES,
    { document: false, query: true },
    async function afterQueryWrite(this: { getFilter(): Record<string, unknown> }, result: unknown) {
      if (mayHaveChanged(result)) await cachedDataChanged(instanceIdIn(this.getFilter()[path]));
    },
  );
  schema.post('save', async function afterSave(this: Record<string, unknown>) {
    await cachedDataChanged(instanceIdIn(this[path]));
  });
  schema.post('insertMany', async function afterInsertMany(inserted: unknown) {
    const documents = inserted as Array<Record<string, unknown>>;
    const instanceIds = new Set(documents.map((document) => instanceIdIn(document[path])));
    for (const instanceId of instanceIds) await cachedDataChanged(instanceId);
  });
}
