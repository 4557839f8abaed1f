import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { useFreshDatabase } from '../helpers/database.ts';

// Date ranges are handed to SQLite by Castellan's FerretDB build (tools/ferretdb/pushdown.go, docs/ferretdb.md): the
// answers must stay MongoDB's for every kind of value the field may hold.
interface Doc {
  _id: string;
  expiresAt?: unknown;
  n?: number;
}

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

const at = (minute: number): Date => new Date(Date.UTC(2026, 10, 30, 12, minute));
const ids = (docs: Array<{ _id: string }>) => docs.map((doc) => doc._id).sort();

describe('date ranges (FerretDB: evaluated by SQLite before the documents are decoded)', () => {
  it('match exactly what MongoDB matches, whatever the field holds', async () => {
    const collection = mongoose.connection.db!.collection<Doc>('range_pushdown');
    await collection.insertMany([
      { _id: 'early', expiresAt: at(1), n: 1 },
      { _id: 'edge', expiresAt: at(10), n: 2 },
      { _id: 'late', expiresAt: at(20), n: 3 },
      { _id: 'before-epoch', expiresAt: new Date(-1000) },
      { _id: 'missing' },
      { _id: 'null', expiresAt: null },
      { _id: 'number', expiresAt: 5 },
      { _id: 'string', expiresAt: '2026-11-30' },
      { _id: 'array', expiresAt: [at(30), at(2)] },
      { _id: 'object', expiresAt: { at: at(1) } },
    ]);

    assert.deepEqual(ids(await collection.find({ expiresAt: { $lt: at(10) } }).toArray()), [
      'array',
      'before-epoch',
      'early',
    ]);
    assert.deepEqual(ids(await collection.find({ expiresAt: { $lte: at(10) } }).toArray()), [
      'array',
      'before-epoch',
      'early',
      'edge',
    ]);
    assert.deepEqual(ids(await collection.find({ expiresAt: { $gt: at(10) } }).toArray()), ['array', 'late']);
    assert.deepEqual(ids(await collection.find({ expiresAt: { $gte: at(10) } }).toArray()), ['array', 'edge', 'late']);
    assert.deepEqual(ids(await collection.find({ expiresAt: { $gte: at(1), $lt: at(20) } }).toArray()), [
      'array',
      'early',
      'edge',
    ]);
    assert.deepEqual(
      ids(await collection.find({ expiresAt: { $lt: at(30) }, n: { $gte: 2 } }).toArray()),
      ['edge', 'late'],
      'the rest of the filter still applies',
    );
    assert.deepEqual(
      ids(await collection.find({ expiresAt: { $lt: 10 } }).toArray()),
      ['number'],
      'a range of numbers is evaluated as before',
    );
    assert.equal(await collection.countDocuments({ expiresAt: { $lt: at(10) } }), 3);
    assert.equal((await collection.deleteMany({ expiresAt: { $lt: at(10) } })).deletedCount, 3);
    assert.deepEqual(ids(await collection.find({}, { projection: { _id: 1 } }).toArray()), [
      'edge',
      'late',
      'missing',
      'null',
      'number',
      'object',
      'string',
    ]);
  });

  it('are handed to SQLite', async (t) => {
    const db = mongoose.connection.db!;
    const info = await db.admin().command({ buildInfo: 1 });
    if (typeof info.ferretdbVersion !== 'string') return t.skip('pushdown is FerretDB-specific');
    const explained = await db.command({
      explain: { find: 'range_pushdown', filter: { expiresAt: { $lt: new Date() } } },
    });
    assert.equal(explained.filterPushdown, true);
  });
});
