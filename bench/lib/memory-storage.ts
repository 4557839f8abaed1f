// What Castellan's own work costs without its storage: loaded into a Castellan process by `node bench/alloc-cost.ts
// --storage=memory` (through bench/lib/memory-storage.mjs), it answers the reads, inserts and deletions by `_id` of the
// OIDC tokens and grants (the collections a refresh and an introspection touch: bench/README.md, "Round-trip budgets")
// from a Map in this process instead of the database, so that neither the MongoDB driver nor the database runs for
// them. A measurement aid only: a Map in one process is no store (no other process sees it, nothing expires).
//
// It replaces the driver's `Collection` methods that src/store/database/ (the read, insert and deletion batchers) and
// src/oidc/adapter.ts call, for those two collections only; every other collection, and every other query shape on
// these two (the sweeper's ranges, revocations, which update), still goes to the database.
import mongoose from 'mongoose';

const IN_MEMORY = new Set(['oidc_tokens', 'oidc_grants']);

type Stored = Record<string, unknown> & { _id: string };
type Filter = { _id?: string | { $in?: string[] } } & Record<string, unknown>;

interface DriverCollection {
  collectionName: string;
  findOne(filter: Filter, ...rest: unknown[]): Promise<Stored | null>;
  find(filter: Filter, ...rest: unknown[]): { toArray(): Promise<Stored[]> };
  insertOne(document: Stored, ...rest: unknown[]): Promise<unknown>;
  insertMany(documents: Stored[], ...rest: unknown[]): Promise<unknown>;
  replaceOne(filter: Filter, document: Record<string, unknown>, ...rest: unknown[]): Promise<unknown>;
  deleteMany(filter: Filter, ...rest: unknown[]): Promise<unknown>;
}

const documents = new Map<string, Map<string, Stored>>([...IN_MEMORY].map((name) => [name, new Map()]));
const prototype = mongoose.mongo.Collection.prototype as unknown as DriverCollection;
const original = {
  findOne: prototype.findOne,
  find: prototype.find,
  insertOne: prototype.insertOne,
  insertMany: prototype.insertMany,
  replaceOne: prototype.replaceOne,
  deleteMany: prototype.deleteMany,
};

/** The Map of this collection when its `filter` is by `_id` alone (a value or an `$in` list), else null. */
function byId(collection: DriverCollection, filter: Filter): Map<string, Stored> | null {
  if (!IN_MEMORY.has(collection.collectionName) || Object.keys(filter).some((key) => key !== '_id')) return null;
  const id = filter._id;
  const valueOrList = typeof id === 'string' || (!!id && Object.keys(id).join() === '$in' && Array.isArray(id.$in));
  return valueOrList ? documents.get(collection.collectionName)! : null;
}

const ids = (filter: Filter): string[] =>
  typeof filter._id === 'string' ? [filter._id] : (filter._id?.$in ?? []).map(String);

/** Stores the documents, or none of them when an `_id` is taken (a rejection, as the driver's). */
function insert(stored: Map<string, Stored>, batch: Stored[]): Promise<void> {
  // The bench's tokens and grants have fresh random ids; a replayed refresh token is no part of what it measures.
  const taken = batch.find((document) => stored.has(document._id));
  if (taken) return Promise.reject(new Error(`memory storage: duplicate _id ${taken._id}`));
  for (const document of batch) stored.set(document._id, structuredClone(document));
  return Promise.resolve();
}

prototype.findOne = function findOne(this: DriverCollection, filter: Filter, ...rest: unknown[]) {
  const stored = byId(this, filter);
  if (!stored) return original.findOne.call(this, filter, ...rest);
  return Promise.resolve(structuredClone(stored.get(ids(filter)[0]!) ?? null));
};

prototype.find = function find(this: DriverCollection, filter: Filter, ...rest: unknown[]) {
  const stored = byId(this, filter);
  if (!stored) return original.find.call(this, filter, ...rest);
  const found = ids(filter).flatMap((id) => (stored.has(id) ? [structuredClone(stored.get(id)!)] : []));
  return { toArray: () => Promise.resolve(found) };
};

prototype.insertOne = function insertOne(this: DriverCollection, document: Stored, ...rest: unknown[]) {
  const stored = IN_MEMORY.has(this.collectionName) ? documents.get(this.collectionName)! : null;
  if (!stored) return original.insertOne.call(this, document, ...rest);
  return insert(stored, [document]).then(() => ({ acknowledged: true, insertedId: document._id }));
};

prototype.insertMany = function insertMany(this: DriverCollection, batch: Stored[], ...rest: unknown[]) {
  const stored = IN_MEMORY.has(this.collectionName) ? documents.get(this.collectionName)! : null;
  if (!stored) return original.insertMany.call(this, batch, ...rest);
  return insert(stored, batch).then(() => ({ acknowledged: true, insertedCount: batch.length }));
};

prototype.replaceOne = function replaceOne(
  this: DriverCollection,
  filter: Filter,
  document: Record<string, unknown>,
  ...rest: unknown[]
) {
  const stored = byId(this, filter);
  if (!stored || typeof filter._id !== 'string') return original.replaceOne.call(this, filter, document, ...rest);
  stored.set(filter._id, structuredClone({ ...document, _id: filter._id }));
  return Promise.resolve({ acknowledged: true, matchedCount: 1 });
};

prototype.deleteMany = function deleteMany(this: DriverCollection, filter: Filter, ...rest: unknown[]) {
  const stored = byId(this, filter);
  if (!stored) return original.deleteMany.call(this, filter, ...rest);
  const deletedCount = ids(filter).filter((id) => stored.delete(id)).length;
  return Promise.resolve({ acknowledged: true, deletedCount });
};
