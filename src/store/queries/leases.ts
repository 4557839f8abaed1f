import { randomUUID } from 'node:crypto';
import { WriteLock } from '../models/write-lock.ts';
import { isDuplicateKeyError } from './array-rewrite.ts';

/**
 * Claims `key` for `leaseMs`: the holder is whoever inserts its lease document (a duplicate `_id` is refused on
 * FerretDB v1 as on MongoDB, where a conditional update is atomic only on MongoDB, docs/portable-mongodb.md). A lease
 * past its time belongs to a process that died, and is taken over (deleted by its holder's id, so a lease taken over
 * meanwhile by another is left alone). Null when another process holds it.
 */
export async function takeLease(key: string, leaseMs: number): Promise<string | null> {
  const holder = randomUUID();
  for (let tries = 0; tries < 2; tries++) {
    try {
      await WriteLock.create({ _id: key, holder, expiresAt: new Date(Date.now() + leaseMs) });
      return holder;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const held = await WriteLock.findById(key, { holder: 1, expiresAt: 1 }).lean();
    if (held && held.expiresAt.getTime() > Date.now()) return null;
    if (held) await WriteLock.deleteOne({ _id: key, holder: held.holder });
  }
  return null;
}

export async function releaseLease(key: string, holder: string): Promise<void> {
  await WriteLock.deleteOne({ _id: key, holder });
}

/** Extends a lease its holder still has; false when it expired and another process took it over. */
export async function renewLease(key: string, holder: string, leaseMs: number): Promise<boolean> {
  const renewed = await WriteLock.updateOne(
    { _id: key, holder },
    { $set: { expiresAt: new Date(Date.now() + leaseMs) } },
  );
  return renewed.matchedCount === 1;
}
