import { Schema, model } from 'mongoose';

/**
 * One document per document being rewritten (`${model}:${id}`): inserting it takes the lock, because a duplicate
 * `_id` is refused on FerretDB and MongoDB alike, while FerretDB v1 lets concurrent conditional updates of one
 * document both succeed (docs/portable-mongodb.md, "Writes"). `expiresAt` lets a holder that died be taken over.
 */
const writeLockSchema = new Schema<{ _id: string; holder: string; expiresAt: Date }>(
  {
    _id: { type: String, required: true },
    holder: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'write_locks' },
);

export const WriteLock = model('WriteLock', writeLockSchema);
