interface ArrayModel {
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

const MAX_ATTEMPTS = 20;

/**
 * Rewrites an array of subdocuments with compare-and-set on its current value, retrying when another
 * writer changed it in between. FerretDB v1 cannot `$pull` by a subdocument field or update through
 * the positional operator (docs/portable-mongodb.md), and this keeps concurrent edits of different
 * elements from losing each other. `change` may throw, and returns the new array.
 */
export async function rewriteArray<T>(
  model: ArrayModel,
  filter: Record<string, unknown>,
  field: string,
  change: (current: T[]) => T[],
): Promise<ArrayRewrite> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const found = await model.findOne(filter, { [field]: 1 }).lean();
    if (!found) return 'missing';
    const current = (found[field] ?? []) as T[];
    const result = await model.updateOne(
      { ...filter, [field]: current },
      { $set: { [field]: change(current) } },
      { runValidators: true },
    );
    if (result.matchedCount === 1) return 'done';
  }
  return 'contended';
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
