import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Collection } from 'mongodb';
import mongoose from 'mongoose';
import { InsertBatcher } from '../../src/store/database/insert-batcher.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

it('inserts concurrent documents in batches, tells which ids were taken, and writes nothing over them', async () => {
  const collection = mongoose.connection.db!.collection<{ _id: string; value: number }>('batched');
  await collection.insertMany([
    { _id: 'taken-1', value: -1 },
    { _id: 'taken-2', value: -2 },
  ]);
  // The real collection, with its insertMany calls counted.
  let insertManyCalls = 0;
  const counted = new Proxy(collection, {
    get(target, property, receiver) {
      if (property !== 'insertMany') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<typeof target.insertMany>) => {
        insertManyCalls += 1;
        return target.insertMany(...args);
      };
    },
  });
  const batcher = new InsertBatcher(counted as unknown as Collection);
  const ids = [...Array.from({ length: 60 }, (_, index) => `new-${index}`), 'taken-1', 'taken-2'];
  const outcomes = await Promise.all(ids.map((_id, index) => batcher.insert({ _id, value: index })));
  assert.deepEqual(
    outcomes,
    ids.map((id) => (id.startsWith('taken') ? 'exists' : 'inserted')),
  );
  assert.equal(insertManyCalls, 1, 'inserts requested together go to the database in one insertMany');
  const stored = await collection.find({}).toArray();
  assert.equal(stored.length, 62);
  assert.deepEqual(
    stored
      .filter((document) => document._id.startsWith('taken'))
      .map((document) => document.value)
      .sort(),
    [-1, -2],
  );

  // Later inserts, after the first batches went out, are not lost either.
  assert.equal(await batcher.insert({ _id: 'late', value: 99 }), 'inserted');
  assert.equal((await collection.findOne({ _id: 'late' }))?.value, 99);
});

// Each insert is asked for in the microtasks right after the one before was answered (nothing else in between): it
// must still be sent, not wait for a later caller's insert to start the next flush.
it('a lone insert goes as one insertOne: written, or told its id was taken, or refused', async () => {
  const collection = mongoose.connection.db!.collection<{ _id: string; value: number }>('alone');
  await collection.insertOne({ _id: 'taken', value: -1 });
  const calls: string[] = [];
  const counted = new Proxy(collection, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== 'insertMany' && property !== 'insertOne') return value;
      return (...args: unknown[]) => {
        calls.push(property);
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const batcher = new InsertBatcher(counted as unknown as Collection);
  assert.equal(await batcher.insert({ _id: 'new', value: 1 }), 'inserted');
  assert.equal(await batcher.insert({ _id: 'taken', value: 2 }), 'exists');
  await assert.rejects(batcher.insert({ _id: 'bad', $value: 3 }));
  assert.deepEqual(calls, ['insertOne', 'insertOne', 'insertOne']);
  assert.deepEqual(await collection.find({}).sort({ _id: 1 }).toArray(), [
    { _id: 'new', value: 1 },
    { _id: 'taken', value: -1 },
  ]);
  await batcher.settled();
});

it('an insert the database refuses is rejected, and the rest of its batch is still written', async () => {
  const collection = mongoose.connection.db!.collection('refused');
  const batcher = new InsertBatcher(collection);
  // A field name both FerretDB and MongoDB refuse: it may not start with `$`.
  const [good, bad] = await Promise.allSettled([
    batcher.insert({ _id: 'ok', value: 1 }),
    batcher.insert({ _id: 'bad', $value: 2 }),
  ]);
  assert.deepEqual(good, { status: 'fulfilled', value: 'inserted' });
  assert.equal(bad!.status, 'rejected');
  assert.deepEqual(await collection.find({}).toArray(), [{ _id: 'ok', value: 1 }]);
});

it('settles once every insert requested so far has reached the database', async () => {
  const collection = mongoose.connection.db!.collection<{ _id: string }>('settling');
  const batcher = new InsertBatcher(collection as unknown as Collection);
  await batcher.settled();
  for (let round = 0; round < 10; round++) {
    const ids = [`a-${round}`, `b-${round}`, `c-${round}`];
    const inserted = Promise.all(ids.map((_id) => batcher.insert({ _id })));
    await batcher.settled();
    assert.equal(await collection.countDocuments({ _id: { $in: ids } }), 3, `round ${round}`);
    await inserted;
  }
});
