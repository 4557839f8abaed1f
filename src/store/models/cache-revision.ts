import { Schema, model } from 'mongoose';

/**
 * One document per instance whose `revision` changes on every write that cached data depends on. Each
 * process polls it by `_id` and drops its caches of the instance when it changed; no change feed is needed,
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

export const CacheRevision = model('CacheRevision', cacheRevisionSchema);
