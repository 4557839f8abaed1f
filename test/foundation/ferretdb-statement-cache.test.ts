import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { useFreshDatabase } from '../helpers/database.ts';

// Castellan's FerretDB build keeps each SQLite connection's prepared statements for reuse
// (tools/ferretdb/statement-cache.go, docs/ferretdb.md): a kept statement must never show an older snapshot, a
// dropped or changed table, or another call's bindings. Also true of MongoDB, where these tests run as well.
interface Doc {
  _id: string;
  n: number;
  key?: string;
}

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

const collection = (name: string) => mongoose.connection.db!.collection<Doc>(name);
const ids = (docs: Array<{ _id: string }>) => docs.map((doc) => doc._id).sort();

describe('prepared statements kept by the database (FerretDB)', () => {
  it('reads on every connection see each commit at once', async () => {
    const counters = collection('statement_cache_counters');
    await counters.insertOne({ _id: 'counter', n: 0 });
    for (let round = 1; round <= 20; round += 1) {
      await counters.updateOne({ _id: 'counter' }, { $set: { n: round } });
      const reads = await Promise.all(
        Array.from({ length: 8 }, () => counters.find({ _id: { $in: ['counter'] } }).toArray()),
      );
      assert.deepEqual(
        reads.map(([doc]) => doc?.n),
        Array.from({ length: 8 }, () => round),
      );
    }
  });

  it('a dropped and recreated collection is read and written anew', async () => {
    const docs = collection('statement_cache_recreated');
    await docs.insertMany([
      { _id: 'old-1', n: 1, key: 'k' },
      { _id: 'old-2', n: 2, key: 'k' },
    ]);
    assert.deepEqual(ids(await docs.find({ _id: { $in: ['old-1', 'old-2'] } }).toArray()), ['old-1', 'old-2']);
    await docs.drop();
    assert.deepEqual(await docs.find({ _id: { $in: ['old-1', 'old-2'] } }).toArray(), []);
    await docs.insertMany([
      { _id: 'new-1', n: 1, key: 'k' },
      { _id: 'new-2', n: 2, key: 'k' },
    ]);
    assert.deepEqual(ids(await docs.find({ _id: { $in: ['old-1', 'new-2'] } }).toArray()), ['new-2']);
    await docs.createIndex({ key: 1 });
    assert.deepEqual(ids(await docs.find({ key: 'k' }).toArray()), ['new-1', 'new-2']);
  });

  it('a failed insert leaves nothing behind for the next one of the same shape', async () => {
    const docs = collection('statement_cache_failed_insert');
    await docs.insertOne({ _id: 'taken', n: 0 });
    await assert.rejects(
      docs.insertMany([
        { _id: 'first', n: 1 },
        { _id: 'taken', n: 2 },
        { _id: 'third', n: 3 },
      ]),
      (error: { code?: number }) => error.code === 11000,
    );
    await docs.insertMany([
      { _id: 'a', n: 4 },
      { _id: 'b', n: 5 },
      { _id: 'c', n: 6 },
    ]);
    const stored = await docs.find({}).sort({ _id: 1 }).toArray();
    assert.deepEqual(
      stored.map(({ _id, n }) => [_id, n]),
      [
        ['a', 4],
        ['b', 5],
        ['c', 6],
        ['first', 1],
        ['taken', 0],
      ],
    );
  });

  it('more distinct queries than a connection keeps still answer with their own values', async () => {
    const docs = collection('statement_cache_many_shapes');
    await docs.insertMany(Array.from({ length: 100 }, (_, index) => ({ _id: `d${index}`, n: index })));
    for (let pass = 0; pass < 2; pass += 1) {
      for (let size = 1; size <= 100; size += 1) {
        const wanted = Array.from({ length: size }, (_, index) => `d${(index * 7 + size) % 100}`);
        const found = await docs.find({ _id: { $in: wanted } }).toArray();
        assert.deepEqual(ids(found), [...new Set(wanted)].sort(), `${size} ids, pass ${pass}`);
      }
    }
  });
});
