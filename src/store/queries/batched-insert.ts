import type { Collection } from 'mongodb';
import { batcherFor } from '../database/insert-batcher.ts';

/** What of a mongoose model a batched insert uses. */
interface InsertableModel<Fields> {
  new (fields: Fields): { validate(): Promise<void>; toObject(): object };
  collection: unknown;
}

/**
 * Inserts a new document of `model` through its collection's group commit (store/database/insert-batcher.ts):
 * validated and given its defaults as `Model.create` does, and answered once it is written, so a caller reads it back
 * as after `create`. Parallel requests' inserts share one write: on FerretDB's SQLite backend each write transaction
 * waits for the one before it (docs/ferretdb.md). 'exists' when its `_id` is already taken.
 */
export async function insertBatched<Fields extends object>(
  model: InsertableModel<Fields>,
  fields: Fields,
): Promise<'inserted' | 'exists'> {
  const document = new model(fields);
  await document.validate();
  // mongoose types every collection by Document; the document was built by its schema.
  return batcherFor(model.collection as unknown as Collection).insert(document.toObject());
}
