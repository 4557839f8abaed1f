import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Collection } from 'mongodb';
import mongoose from 'mongoose';
import { DeleteBatcher } from '../../src/store/database/delete-batcher.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

it('deletes concurrent requests in batches, only the ids asked for, and later requests too', async () => {
  const collection = mongoose.connection.db!.collection<{ _id: string }>('batched_deletions');
  await collection.insertMany(Array.from({ length: 50 }, (_, index) => ({ _id: `d-${index}` })));
  // The real collection, with its deleteMany calls counted.
  let deleteManyCalls = 0;
  const counted = new Proxy(collection, {
    get(target, property, receiver) {
      if (property !== 'deleteMany') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<typeof target.deleteMany>) => {
        deleteManyCalls += 1;
        return target.deleteMany(...args);
      };
    },
  });
  const batcher = new DeleteBatcher(counted as unknown as Collection);
  // Twenty requests of two ids each (one of them not stored), as twenty logins take back their two throttle hits.
  await Promise.all(Array.from({ length: 20 }, (_, index) => batcher.delete([`d-${index}`, `missing-${index}`])));
  assert.equal(deleteManyCalls, 1, 'deletions requested together go to the database in one deleteMany');
  const left = (await collection.find({}).toArray()).map((document) => document._id);
  assert.deepEqual(left.sort(), Array.from({ length: 30 }, (_, index) => `d-${index + 20}`).sort());

  await batcher.delete(['d-49']);
  await batcher.delete([]);
  assert.equal(await collection.countDocuments({ _id: 'd-49' }), 0, 'a later deletion is made too');
  assert.equal(deleteManyCalls, 2, 'nothing to delete costs no round trip');
});

it('a deletion the database refuses is rejected, and later ones go on', async () => {
  const collection = mongoose.connection.db!.collection<{ _id: string }>('refused_deletions');
  await collection.insertOne({ _id: 'kept' });
  let refuse = true;
  const failing = new Proxy(collection, {
    get(target, property, receiver) {
      if (property !== 'deleteMany' || !refuse) return Reflect.get(target, property, receiver) as unknown;
      return () => Promise.reject(new Error('refused'));
    },
  });
  const batcher = new DeleteBatcher(failing as unknown as Collection);
  await assert.rejects(batcher.delete(['kept']), /refused/);
  refuse = false;
  await batcher.delete(['kept']);
  assert.equal(await collection.countDocuments({}), 0);
});
