type Filter = Record<string, unknown>;
type Projection = Record<string, 1>;

interface Found {
  lean(): PromiseLike<unknown[]>;
}

interface BulkModel {
  find(filter: Filter, projection: Projection): Found & { limit(count: number): Found };
  deleteMany(filter: Filter): PromiseLike<unknown>;
  updateMany(filter: Filter, update: Filter): PromiseLike<unknown>;
}

const BATCH = 500;

/**
 * Deletes every document of the instance matching `filter`, a batch at a time, and hands each batch (as read, with
 * `projection`) to `deleted` once it is gone; repeats until none is left, so documents inserted meanwhile go too. A
 * batch is deleted by the ids read, so that what `deleted` reports (an audit event each) is exactly what was deleted.
 */
export async function deleteInBatches<T extends { _id: string }>(
  model: BulkModel,
  instanceId: string,
  filter: Filter,
  projection: Projection,
  deleted: (batch: T[]) => Promise<void>,
): Promise<void> {
  for (;;) {
    const batch = (await model
      .find({ ...filter, instanceId }, projection)
      .limit(BATCH)
      .lean()) as T[];
    if (batch.length === 0) return;
    await model.deleteMany({ instanceId, _id: { $in: batch.map((document) => document._id) } });
    await deleted(batch);
  }
}

/**
 * Removes `values` from the array `field` of every document of the instance matching `filter` that holds one, and
 * returns those documents as they were (with `projection` and `field`). `$pullAll`, because FerretDB v1 ignores
 * `$pull` with `$in`/`$nin` conditions.
 */
export async function pullFromArrays<T extends { _id: string }>(
  model: BulkModel,
  instanceId: string,
  filter: Filter,
  field: string,
  values: string[],
  projection: Projection,
): Promise<T[]> {
  if (values.length === 0) return [];
  const holders = (await model
    .find({ ...filter, instanceId, [field]: { $in: values } }, { ...projection, [field]: 1 })
    .lean()) as T[];
  if (holders.length === 0) return [];
  const ids = holders.map((document) => document._id);
  await model.updateMany({ instanceId, _id: { $in: ids } }, { $pullAll: { [field]: values } });
  return holders;
}
