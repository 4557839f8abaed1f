import type { Collection, Document, Filter } from 'mongodb';
import type { Model } from 'mongoose';
import { domainModels, Instance, InstanceDomain } from '../models/index.ts';
import { oidcPayloadModels } from '../models/oidc-payload.ts';

/** Documents deleted per round trip: small enough that other instances' requests interleave with a removal. */
export const REMOVAL_BATCH_SIZE = 500;

/** Deletes the matching documents a batch at a time (`pause` between batches); returns how many went. */
async function deleteInBatches(
  collection: Collection,
  filter: Filter<Document>,
  pause: () => Promise<void>,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await collection
      .find(filter, { projection: { _id: 1 } })
      .limit(REMOVAL_BATCH_SIZE)
      .toArray();
    if (batch.length === 0) return deleted;
    const result = await collection.deleteMany({ _id: { $in: batch.map((document) => document._id) } });
    deleted += result.deletedCount;
    await pause();
  }
}

/** The driver's collection under a model: a removal filters and deletes by `_id` alone, whatever the schema. */
function rawCollection(model: Pick<Model<unknown>, 'collection'>): Collection {
  return model.collection as unknown as Collection;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Deletes everything stored for the instance but its record and its domain claims: every collection keyed by
 * `instanceId`, and the provider's sessions, codes and tokens (their `_id` starts with `{instanceId}:`,
 * oidc/adapter.ts). Safe to run again after an interruption: it deletes what is left.
 */
export async function deleteInstanceData(instanceId: string, pause: () => Promise<void>): Promise<number> {
  let deleted = 0;
  const keptToTheEnd: unknown[] = [Instance, InstanceDomain];
  for (const model of domainModels) {
    if (keptToTheEnd.includes(model)) continue;
    deleted += await deleteInBatches(rawCollection(model), { instanceId }, pause);
  }
  const ownKeys: Filter<Document> = { _id: new RegExp(`^${escapeRegExp(instanceId)}:`) };
  for (const model of oidcPayloadModels()) deleted += await deleteInBatches(rawCollection(model), ownKeys, pause);
  return deleted;
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
