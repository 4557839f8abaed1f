import { Schema, model } from 'mongoose';
import { idField } from './common.ts';

/**
 * One document per counted event of a throttle (a failed password, a failed client authentication, a wrong device
 * code): the count in a window is the number of documents, exact under concurrency on FerretDB v1 as on MongoDB,
 * where counting by `$inc` on one document loses updates on FerretDB (docs/portable-mongodb.md, "Writes"). `key` is a
 * hash of what is counted (login name, client id, IP address). Removed by the sweeper once `expiresAt` has passed.
 */
const rateLimitHitSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    limit: { type: String, required: true },
    key: { type: String, required: true },
    at: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'rate_limit_hits' },
);
rateLimitHitSchema.index({ instanceId: 1, limit: 1, key: 1, at: 1 });

export const RateLimitHit = model('RateLimitHit', rateLimitHitSchema);
