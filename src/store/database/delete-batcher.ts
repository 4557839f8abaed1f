import type { Collection } from 'mongodb';

interface Pending {
  ids: string[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for deletions by `_id`, the counterpart of the insert batcher (insert-batcher.ts): deletions requested
 * while one is on its way to the database go together in the next `deleteMany`. On FerretDB's SQLite backend each
 * write is a transaction of its own and waits for the one before it (docs/ferretdb.md), so parallel logins taking
 * back their throttle hits share one. An idle server sends each deletion at once, so no request waits for a timer.
 */
export class DeleteBatcher {
  readonly #collection: Collection<{ _id: string }>;
  #queue: Pending[] = [];
  #flushing = false;

  constructor(collection: Collection) {
    // Every collection batched here has string ids (platform/ids.ts).
    this.#collection = collection as unknown as Collection<{ _id: string }>;
  }

  /** Deletes the documents with these ids (those that exist); resolves once they are gone. */
  delete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#queue.push({ ids: [...ids], resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        try {
          await this.#collection.deleteMany({ _id: { $in: batch.flatMap((pending) => pending.ids) } });
          for (const pending of batch) pending.resolve();
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }
}

const batchers = new Map<string, DeleteBatcher>();

/** One group commit of deletions per collection and process, shared by every caller that deletes from it. */
export function deleteBatcherFor(collection: Collection): DeleteBatcher {
  let batcher = batchers.get(collection.collectionName);
  if (!batcher) batchers.set(collection.collectionName, (batcher = new DeleteBatcher(collection)));
  return batcher;
}
