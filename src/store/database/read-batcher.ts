import type { Collection } from 'mongodb';

interface Pending<T> {
  resolve(document: T | null): void;
  reject(error: unknown): void;
}

/**
 * Far below what Castellan's FerretDB build pushes down to the `_id` index (1,000 values, tools/ferretdb/pushdown.go);
 * a longer queue goes in several commands.
 */
const MAX_IDS_PER_READ = 500;

/**
 * Reads by `_id` requested in the same turn of the event loop go together in one `find({_id: {$in: [...]}})`, and
 * each caller gets its own document (or null). Under load, the parallel requests of one process (refreshes reading
 * their tokens and grants) share one command instead of one round trip each: every command costs both processes a
 * write to the socket, a wake-up and the database's per-command work, which cost more than the look-up itself
 * (bench/README.md, "Refresh"). A read is sent only after it was requested, in the next batch, so it sees every write
 * that completed before it; one id read twice in the same turn is looked up once. An idle server sends each read on
 * its own, a turn later, so no request waits for a timer.
 */
export class ReadBatcher<T extends { _id: string }> {
  readonly #collection: Collection<T>;
  #queue = new Map<string, Array<Pending<T>>>();
  #scheduled = false;

  constructor(collection: Collection<T>) {
    this.#collection = collection;
  }

  /** The document with this `_id`, or null. */
  read(id: string): Promise<T | null> {
    return new Promise((resolve, reject) => {
      const waiting = this.#queue.get(id);
      if (waiting) waiting.push({ resolve, reject });
      else this.#queue.set(id, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = [...this.#queue];
    this.#queue = new Map();
    for (let start = 0; start < batch.length; start += MAX_IDS_PER_READ)
      void this.#send(batch.slice(start, start + MAX_IDS_PER_READ));
  }

  async #send(batch: Array<[string, Array<Pending<T>>]>): Promise<void> {
    try {
      const found = await this.#find(batch.map(([id]) => id));
      for (const [id, callers] of batch) for (const caller of callers) caller.resolve(found.get(id) ?? null);
    } catch (error) {
      for (const [, callers] of batch) for (const caller of callers) caller.reject(error);
    }
  }

  async #find(ids: string[]): Promise<Map<string, T>> {
    type Filter = Parameters<Collection<T>['find']>[0];
    // One id is the common case of an idle server: the plain `findOne` by `_id`, which every database answers from its
    // index and may stop after one document.
    if (ids.length === 1) {
      const document = (await this.#collection.findOne({ _id: ids[0] } as Filter)) as T | null;
      return new Map(document ? [[document._id, document]] : []);
    }
    // All in the first reply: the server's default batch is 101 documents, and a full batch leaves the cursor open
    // (FerretDB), either way costing a `getMore`; one more than the ids can match lets it close the cursor at once.
    const documents = (await this.#collection
      .find({ _id: { $in: ids } } as Filter, { batchSize: ids.length + 1 })
      .toArray()) as T[];
    return new Map(documents.map((document) => [document._id, document]));
  }
}

const batchers = new Map<string, ReadBatcher<{ _id: string }>>();

/** One read batcher per collection and process, shared by every caller that reads from it by `_id`. */
export function readBatcherFor<T extends { _id: string }>(collection: Collection<T>): ReadBatcher<T> {
  let batcher = batchers.get(collection.collectionName);
  if (!batcher)
    batchers.set(
      collection.collectionName,
      (batcher = new ReadBatcher(collection as unknown as Collection<{ _id: string }>)),
    );
  return batcher as unknown as ReadBatcher<T>;
}
