import type { MongooseQueryMiddleware, Schema } from 'mongoose';
import { cachedInstanceIds, dropInstanceCache } from './instance-cache.ts';

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

function dropFor(instanceId: unknown): void {
  if (typeof instanceId === 'string') dropInstanceCache(instanceId);
  else cachedInstanceIds().forEach(dropInstanceCache);
}

/**
 * A safety net under the explicit invalidation (cache/revisions.ts): any write through a model with this
 * plugin drops this process's cache of the instance it names (of every instance when the filter does not
 * say). Other processes learn of a change only from a published revision.
 */
export function dropCachesOnWrite(schema: Schema): void {
  schema.post(
    QUERY_WRITES,
    { document: false, query: true },
    function dropAfterQuery(this: { getFilter(): Record<string, unknown> }) {
      dropFor(this.getFilter().instanceId);
    },
  );
  schema.post('save', function dropAfterSave(this: { instanceId?: unknown }) {
    dropFor(this.instanceId);
  });
  schema.post('insertMany', function dropAfterInsertMany(_result: unknown, documents: Array<{ instanceId?: unknown }>) {
    new Set(documents.map((document) => document.instanceId)).forEach(dropFor);
  });
}
