import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Collection } from 'mongodb';
import mongoose from 'mongoose';
import { ReadBatcher } from '../../src/store/database/read-batcher.ts';
import { testDatabaseServer, useFreshDatabase } from '../helpers/database.ts';

interface Stored {
  _id: string;
  n: number;
}

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

/** The real collection, with its `find` and `findOne` calls counted. */
function counted(collection: Collection<Stored>): { collection: Collection<Stored>; finds: () => number } {
  let finds = 0;
  const proxy = new Proxy(collection, {
    get(target, property, receiver) {
      const method = Reflect.get(target, property, receiver) as unknown;
      if ((property !== 'find' && property !== 'findOne') || typeof method !== 'function') return method;
      return (...args: unknown[]) => {
        finds += 1;
        return (method as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { collection: proxy, finds: () => finds };
}

it('reads requested in one turn go to the database in one find, each caller getting its own document', async () => {
  const stored = mongoose.connection.db!.collection<Stored>('batched_reads');
  await stored.insertMany(Array.from({ length: 30 }, (_, n) => ({ _id: `r-${n}`, n })));
  const { collection, finds } = counted(stored);
  const batcher = new ReadBatcher(collection);
  // Thirty documents, two of them asked for twice (introspection's token models read one value together), and two
  // that are not stored.
  const ids = [...Array.from({ length: 30 }, (_, n) => `r-${n}`), 'r-3', 'r-7', 'missing-1', 'missing-2'];
  const found = await Promise.all(ids.map((id) => batcher.read(id)));
  assert.equal(finds(), 1);
  assert.deepEqual(
    found.map((document) => document?.n ?? null),
    [...Array.from({ length: 30 }, (_, n) => n), 3, 7, null, null],
  );

  assert.equal((await batcher.read('r-9'))?.n, 9, 'a read on its own');
  assert.equal(finds(), 2);
});

it('a read sees every write that completed before it was requested: it never joins a batch already sent', async () => {
  const stored = mongoose.connection.db!.collection<Stored>('reads_after_writes');
  const { collection, finds } = counted(stored);
  const batcher = new ReadBatcher(collection);
  const early = batcher.read('late');
  await stored.insertOne({ _id: 'late', n: 1 });
  assert.equal((await batcher.read('late'))?.n, 1);
  await early;
  assert.equal(finds(), 2);

  await stored.updateOne({ _id: 'late' }, { $set: { n: 2 } });
  assert.equal((await batcher.read('late'))?.n, 2);
});

it('answers a batch in one reply, with no getMore (more ids than the default first batch of 101)', async () => {
  const monitored = new mongoose.mongo.MongoClient(testDatabaseServer(), { monitorCommands: true });
  await monitored.connect();
  try {
    const stored = monitored.db(mongoose.connection.name).collection<Stored>('one_reply_reads');
    await stored.insertMany(Array.from({ length: 300 }, (_, n) => ({ _id: `o-${n}`, n })));
    const commands: string[] = [];
    monitored.on('commandStarted', (event) => commands.push(event.commandName));
    const batcher = new ReadBatcher(stored);
    const found = await Promise.all(Array.from({ length: 300 }, (_, n) => batcher.read(`o-${n}`)));
    assert.ok(found.every((document, n) => document?.n === n));
    assert.deepEqual(commands, ['find']);
  } finally {
    await monitored.close();
  }
});

it('more ids than one command takes go in several, each answered', async () => {
  const stored = mongoose.connection.db!.collection<Stored>('many_reads');
  await stored.insertMany(Array.from({ length: 1_200 }, (_, n) => ({ _id: `m-${n}`, n })));
  const { collection, finds } = counted(stored);
  const batcher = new ReadBatcher(collection);
  const found = await Promise.all(Array.from({ length: 1_200 }, (_, n) => batcher.read(`m-${n}`)));
  assert.equal(finds(), 3);
  assert.ok(found.every((document, n) => document?.n === n));
});

it('a read the database refuses is rejected with its batch, and later reads go on', async () => {
  const stored = mongoose.connection.db!.collection<Stored>('refused_reads');
  await stored.insertOne({ _id: 'kept', n: 1 });
  let refuse = true;
  const failing = new Proxy(stored, {
    get(target, property, receiver) {
      if (property === 'findOne' && refuse) return () => Promise.reject(new Error('refused'));
      if (property !== 'find' || !refuse) return Reflect.get(target, property, receiver) as unknown;
      return () => ({ toArray: () => Promise.reject(new Error('refused')) });
    },
  });
  const batcher = new ReadBatcher(failing);
  const reads = [batcher.read('kept'), batcher.read('other')];
  await assert.rejects(reads[0]!, /refused/);
  await assert.rejects(reads[1]!, /refused/);
  refuse = false;
  assert.equal((await batcher.read('kept'))?.n, 1);
});
