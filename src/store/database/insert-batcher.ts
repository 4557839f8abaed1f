import type { Collection, Document, MongoBulkWriteError, MongoServerError } from 'mongodb';

const DUPLICATE_KEY = 11000;

interface Pending {
  document: Document;
  resolve(outcome: 'inserted' | 'exists'): void;
  reject(error: unknown): void;
}

/**
 * Group commit for new documents: inserts requested while a batch is on its way to the database go
 * together in the next `insertMany`. On FerretDB's SQLite backend one write transaction costs about as much
 * as ten single inserts, and every write waits for the one before it (docs/ferretdb.md); MongoDB gains less
 * but loses nothing. An idle server sends
 * each insert on its own at once, so no request waits for a timer.
 */
export class InsertBatcher {
  readonly #collection: Collection;
  #queue: Pending[] = [];
  #flushing = false;
  /** Inserts requested, and inserts answered (batches are answered in the order they were requested). */
  #requested = 0;
  #answered = 0;
  /** `settled` callers: each waits until `#answered` reaches the count requested when it asked. */
  #waiting: { upTo: number; resolve(): void }[] = [];

  constructor(collection: Collection) {
    this.#collection = collection;
  }

  /** Inserts the document; 'exists' when its `_id` is already taken (nothing is written then). */
  insert(document: Document): Promise<'inserted' | 'exists'> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ document, resolve, reject });
      this.#requested++;
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  /**
   * Resolves once every insert requested so far has been answered (written or refused); later inserts are not waited
   * for. A deletion that must also reach documents still waiting in the group commit (revoking a grant,
   * oidc/adapter.ts) waits for this first.
   */
  settled(): Promise<void> {
    if (this.#answered >= this.#requested) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ upTo: this.#requested, resolve }));
  }

  /**
   * Sends batches until the queue is empty. The check for an empty queue and the end of `#flushing` happen in one
   * synchronous step: a caller answered by the last batch may ask for its next insert in the microtasks right after
   * its answer, and that insert must either join this loop or schedule a flush of its own, never wait for a later
   * caller's (test/foundation/insert-batcher.test.ts, the lone inserts).
   */
  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        const failed = batch.length === 1 ? await this.#insertOne(batch[0]!.document) : await this.#insertMany(batch);
        batch.forEach((pending, index) => {
          const failure = failed.get(index);
          if (failure === undefined) pending.resolve('inserted');
          else if (failure === 'exists') pending.resolve('exists');
          else pending.reject(failure);
        });
        this.#answered += batch.length;
        const stillWaiting = this.#waiting.filter((waiter) => waiter.upTo > this.#answered);
        for (const waiter of this.#waiting) if (waiter.upTo <= this.#answered) waiter.resolve();
        this.#waiting = stillWaiting;
      }
    } finally {
      this.#flushing = false;
    }
  }

  /**
   * A lone document (an idle server's insert, or a refresh alone in its turn) goes by `insertOne`: the same `insert`
   * command and retryable write as `insertMany`'s, without the driver's bulk-write machinery around it, which cost
   * about 60 µs of client CPU more per command (bench/README.md, "Refresh").
   */
  async #insertOne(document: Document): Promise<Map<number, unknown>> {
    try {
      await this.#collection.insertOne(document);
      return new Map();
    } catch (error) {
      return new Map([[0, (error as Partial<MongoServerError>).code === DUPLICATE_KEY ? 'exists' : error]]);
    }
  }

  /** Failures by index in the batch: 'exists' for a taken `_id`, else the error; the others were written. */
  async #insertMany(batch: Pending[]): Promise<Map<number, unknown>> {
    const failed = new Map<number, unknown>();
    try {
      await this.#collection.insertMany(
        batch.map((pending) => pending.document),
        { ordered: false },
      );
    } catch (error) {
      const writeErrors = (error as Partial<MongoBulkWriteError>).writeErrors;
      const perDocument = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : null;
      if (!perDocument) batch.forEach((_, index) => failed.set(index, error));
      else
        for (const writeError of perDocument)
          failed.set(writeError.index, writeError.code === DUPLICATE_KEY ? 'exists' : error);
    }
    return failed;
  }
}

const batchers = new Map<string, InsertBatcher>();

/** One group commit per collection and process, shared by every caller that inserts into it. */
export function batcherFor(collection: Collection): InsertBatcher {
  let batcher = batchers.get(collection.collectionName);
  if (!batcher) batchers.set(collection.collectionName, (batcher = new InsertBatcher(collection)));
  return batcher;
}
