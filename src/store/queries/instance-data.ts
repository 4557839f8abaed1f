import type { AnyBulkWriteOperation, Collection, Filter } from 'mongodb';
import type { Model } from 'mongoose';
import { domainModels, Instance, InstanceDomain } from '../models/index.ts';
import { oidcPayloadModels } from '../models/oidc-payload.ts';

/** One step of a removal, run when the removal's pacer lets it (platform/pacer.ts). */
export type RemovalStep = <T>(work: () => Promise<T>) => Promise<T>;

/** Every collection of an instance's data has string ids (platform/ids.ts, oidc/adapter.ts). */
type Keyed = { _id: string };
type KeyedCollection = Collection<Keyed>;

export interface RemovalBatches {
  /** Documents read (and deleted, when they are the instance's) per step. */
  batchSize: number;
  step: RemovalStep;
}

/**
 * Deletes documents by their `_id` each, in one round trip: FerretDB v1 serves an exact `{_id}` from its index, where
 * `{_id: {$in: ids}}` reads the whole collection (docs/portable-mongodb.md, "Reads"), 400 ms per batch of 100 in a
 * collection of 20,000 documents.
 */
async function deleteByIds(collection: KeyedCollection, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const deletes: Array<AnyBulkWriteOperation<Keyed>> = ids.map((_id) => ({ deleteOne: { filter: { _id } } }));
  return (await collection.bulkWrite(deletes, { ordered: false })).deletedCount;
}

/**
 * Reads the `_id`s `filter` matches with one cursor, `batchSize` per step, and deletes those `belongs` accepts. One
 * cursor rather than a query per batch: a filter the database cannot serve from an index is one pass over the
 * collection, spread over the steps, instead of one pass per batch.
 */
async function deleteStreamed(
  collection: KeyedCollection,
  filter: Filter<Keyed>,
  belongs: (id: string) => boolean,
  { batchSize, step }: RemovalBatches,
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
function rawCollection(model: Pick<Model<unknown>, 'collection'>): KeyedCollection {
  return model.collection as unknown as KeyedCollection;
}

/**
 * Deletes everything stored for the instance in the collections keyed by `instanceId` (served from their indexes),
 * but its record and its domain claims. Safe to run again after an interruption: it deletes what is left.
 */
export async function deleteInstanceData(instanceId: string, batches: RemovalBatches): Promise<number> {
  let deleted = 0;
  const keptToTheEnd: unknown[] = [Instance, InstanceDomain];
  for (const model of domainModels) {
    if (keptToTheEnd.includes(model)) continue;
    deleted += await deleteStreamed(rawCollection(model), { instanceId }, () => true, batches);
  }
  return deleted;
}

/**
 * Deletes the provider's sessions, codes and tokens of these instances: their `_id` starts with `{instanceId}:`
 * (oidc/adapter.ts), which no index serves, so each collection is read once, whole, for all of them together.
 */
export async function deleteOidcArtifacts(instanceIds: readonly string[], batches: RemovalBatches): Promise<number> {
  if (instanceIds.length === 0) return 0;
  const prefixes = new Set(instanceIds.map((instanceId) => `${instanceId}:`));
  const belongs = (id: string): boolean => prefixes.has(id.slice(0, id.indexOf(':') + 1));
  let deleted = 0;
  for (const model of oidcPayloadModels()) deleted += await deleteStreamed(rawCollection(model), {}, belongs, batches);
  return deleted;
}

/** The instances being removed (or whose creation is being undone), by any process. */
export async function instancesBeingRemoved(): Promise<string[]> {
  const removing = await Instance.find({ state: 'removing' }, { _id: 1 }).lean();
  return removing.map(({ _id }) => _id);
}

/**
 * The last step of a removal: the host names are free again, then the record goes. The instance's cache revision
 * stays (a random value and a date) until the sweeper deletes it with every old one: its last change is how other
 * processes learn that the instance is gone.
 */
export async function deleteInstanceRecord(instanceId: string): Promise<void> {
  await InstanceDomain.deleteMany({ instanceId });
  await Instance.deleteOne({ _id: instanceId });
}
