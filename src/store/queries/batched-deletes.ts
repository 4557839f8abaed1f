import type { Collection, Filter } from 'mongodb';
import type { Model } from 'mongoose';

/** Deletions too large for one step: an instance's removal (instance-data.ts), the audit log's retention. */

/** One step of a batched deletion, run when its pacer lets it (platform/pacer.ts). */
export type DeletionStep = <T>(work: () => Promise<T>) => Promise<T>;

/** Every collection deleted from here has string ids (platform/ids.ts, oidc/adapter.ts). */
type Keyed = { _id: string };
type KeyedCollection = Collection<Keyed>;

export interface DeletionBatches {
  /** Documents read (and deleted, those that are to go) per step. */
  batchSize: number;
  step: DeletionStep;
}

/**
 * Deletes documents by `_id` in one round trip. Castellan's FerretDB build serves `{_id: {$in: ids}}` from the `_id`
 * index (docs/ferretdb.md, patch 2: up to 1,000 values, far above a step's `batchSize`), as MongoDB does.
 */
async function deleteByIds(collection: KeyedCollection, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  return (await collection.deleteMany({ _id: { $in: ids } })).deletedCount;
}

/**
 * Reads the `_id`s `filter` matches with one cursor, `batchSize` per step, and deletes those `belongs` accepts. One
 * cursor rather than a query per batch: a filter the database cannot serve from an index is one pass over the
 * collection, spread over the steps, instead of one pass per batch.
 */
export async function deleteStreamed(
  collection: KeyedCollection,
  filter: Filter<Keyed>,
  belongs: (id: string) => boolean,
  { batchSize, step }: DeletionBatches,
): Promise<number> {
  const cursor = collection.find(filter, { projection: { _id: 1 }, batchSize });
  let deleted = 0;
  try {
    for (;;) {
      const more = await step(async () => {
        if (!(await cursor.hasNext())) return false;
        const ids = cursor.readBufferedDocuments(batchSize).map((document) => document._id);
        deleted += await deleteByIds(collection, ids.filter(belongs));
        return true;
      });
      if (!more) return deleted;
    }
  } finally {
    await cursor.close();
  }
}

/** The driver's collection under a model: a removal filters and deletes by `_id` alone, whatever the schema. */
export function keyedCollection(model: Pick<Model<unknown>, 'collection'>): KeyedCollection {
  return model.collection as unknown as KeyedCollection;
}
