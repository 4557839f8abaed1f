import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WriteLock } from '../models/write-lock.ts';

interface ArrayModel {
  modelName: string;
  findOne(
    filter: Record<string, unknown>,
    projection: Record<string, 1>,
  ): { lean(): PromiseLike<Record<string, unknown> | null> };
  updateOne(
    filter: Record<string, unknown>,
    update: Record<string, unknown>,
    options?: Record<string, unknown>,
  ): PromiseLike<{ matchedCount: number }>;
}

export type ArrayRewrite = 'done' | 'missing' | 'contended';

/** Longer than any rewrite takes; a lock older than this belongs to a holder that died and is taken over. */
const LOCK_MS = 10_000;
/** How long a writer waits for another writer of the same document before answering 'contended'. */
const WAIT_MS = 5_000;

/** Takes the document's write lock, waiting for the current holder; null when it stays taken for WAIT_MS. */
async function acquire(key: string): Promise<string | null> {
  const holder = randomUUID();
  const deadline = Date.now() + WAIT_MS;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    try {
      await WriteLock.create({ _id: key, holder, expiresAt: new Date(Date.now() + LOCK_MS) });
      return holder;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const held = await WriteLock.findById(key, { holder: 1, expiresAt: 1 }).lean();
    if (held && held.expiresAt.getTime() <= Date.now()) {
      await WriteLock.deleteOne({ _id: key, holder: held.holder });
      continue;
    }
    if (Date.now() > deadline) return null;
    await sleep(pause);
  }
}

/**
 * Rewrites an array of subdocuments: FerretDB v1 cannot `$pull` by a subdocument field or update through the
 * positional operator (docs/portable-mongodb.md). Writers of one document take turns under a write lock (a
 * compare-and-set alone lost one of 20 concurrent edits on FerretDB, test/foundation/array-rewrite.test.ts); the
 * update still compares the array, so a writer that bypasses the lock is never overwritten silently.
 * `filter` must name the document's `_id`; `change` may throw, and returns the new array.
 */
export async function rewriteArray<T>(
  model: ArrayModel,
  filter: Record<string, unknown> & { _id: string },
  field: string,
  change: (current: T[]) => T[],
): Promise<ArrayRewrite> {
  const key = `${model.modelName}:${filter._id}`;
  const holder = await acquire(key);
  if (!holder) return 'contended';
  try {
    const found = await model.findOne(filter, { [field]: 1 }).lean();
    if (!found) return 'missing';
    const current = (found[field] ?? []) as T[];
    const result = await model.updateOne(
      { ...filter, [field]: current },
      { $set: { [field]: change(current) } },
      { runValidators: true },
    );
    return result.matchedCount === 1 ? 'done' : 'contended';
  } finally {
    await WriteLock.deleteOne({ _id: key, holder });
  }
}

/**
 * FerretDB v1 reports a unique violation on its update paths (updateOne, findOneAndUpdate) as code 1 InternalError
 * with the backend's message: SQLite's "UNIQUE constraint failed: index '…' (2067)", PostgreSQL's "duplicate key
 * value violates unique constraint" (SQLSTATE 23505). Its insert path reports 11000 as MongoDB does.
 */
const BACKEND_UNIQUE_VIOLATION = /UNIQUE constraint failed|duplicate key value violates unique constraint|\(23505\)/;

/** A unique-index violation, on MongoDB (11000; 11001 from old servers' updates) and FerretDB alike. */
export function isDuplicateKeyError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 11000 || code === 11001) return true;
  return code === 1 && typeof message === 'string' && BACKEND_UNIQUE_VIOLATION.test(message);
}
