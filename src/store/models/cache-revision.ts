import { Schema, model } from 'mongoose';

/**
 * One document per instance whose `revision` changes on every write that cached data depends on. Each
 * process polls the ones changed lately and drops its caches of those instances; no change feed is needed,
 * which FerretDB v1 does not have (docs/portable-mongodb.md).
 */
const cacheRevisionSchema = new Schema(
  {
    _id: { type: String, required: true },
    revision: { type: String, required: true },
    changedAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'cache_revisions' },
);

// Each poll reads the revisions changed since the previous one (cache/revisions.ts): a range on this index.
cacheRevisionSchema.index({ changedAt: 1 });

export const CacheRevision = model('CacheRevision', cacheRevisionSchema);
