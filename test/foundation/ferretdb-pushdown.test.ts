import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mongoose, { type Model } from 'mongoose';
import { domainModels } from '../../src/store/models/index.ts';
import { oidcPayloadModels } from '../../src/store/models/oidc-payload.ts';
import { useFreshDatabase } from '../helpers/database.ts';

interface Doc {
  _id: string;
  instanceId: string;
  userId?: string | null;
  n: number;
  tags?: string[] | string;
}

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

const ids = (docs: Array<{ _id: string }>) => docs.map((doc) => doc._id).sort();

async function ferretdbPlan(collection: string, filter: Record<string, unknown>): Promise<string | null> {
  const db = mongoose.connection.db!;
  const info = await db.admin().command({ buildInfo: 1 });
  if (typeof info.ferretdbVersion !== 'string') return null;
  const explained = await db.command({ explain: { find: collection, filter } });
  return JSON.stringify(explained.queryPlanner);
}

describe('equality on indexed fields (FerretDB: pushed down to SQLite)', () => {
  it('returns exactly what the whole filter matches, arrays included', async () => {
    const collection = mongoose.connection.db!.collection<Doc>('pushdown');
    await collection.createIndex({ instanceId: 1, userId: 1 });
    await collection.createIndex({ tags: 1 }, { name: 'tags_multikey' });
    await collection.insertMany([
      { _id: 'a', instanceId: 'i1', userId: 'u1', n: 1, tags: ['x', 'y'] },
      { _id: 'b', instanceId: 'i1', userId: 'u2', n: 2, tags: 'x' },
      { _id: 'c', instanceId: 'i2', userId: 'u1', n: 3 },
      { _id: 'd', instanceId: 'i1', n: 4 },
    ]);

    assert.deepEqual(ids(await collection.find({ instanceId: 'i1', userId: 'u1' }).toArray()), ['a']);
    assert.deepEqual(
      ids(await collection.find({ instanceId: 'i1', n: 2 }).toArray()),
      ['b'],
      'an unindexed field is still filtered',
    );
    assert.deepEqual(ids(await collection.find({ instanceId: 'i1', userId: 'u1', n: 2 }).toArray()), []);
    assert.deepEqual(
      ids(await collection.find({ instanceId: 'i1', userId: null }).toArray()),
      ['d'],
      'null matches a missing field',
    );
    assert.deepEqual(ids(await collection.find({ instanceId: 'i1', userId: { $in: ['u1', 'u2'] } }).toArray()), [
      'a',
      'b',
    ]);
    assert.deepEqual(
      ids(await collection.find({ tags: 'x' }).toArray()),
      ['a', 'b'],
      'a field of a _multikey index matches array elements',
    );
    assert.deepEqual(ids(await collection.find({ _id: 'a', instanceId: 'i2' }).toArray()), []);
    assert.deepEqual(ids(await collection.find({ _id: 'a', instanceId: 'i1' }).toArray()), ['a']);
    assert.equal(await collection.countDocuments({ instanceId: 'i1' }), 3);

    assert.equal(
      (await collection.updateMany({ instanceId: 'i1', userId: 'u2' }, { $set: { n: 5 } })).modifiedCount,
      1,
    );
    assert.equal((await collection.findOne({ _id: 'b' }))?.n, 5);
    assert.equal((await collection.deleteMany({ instanceId: 'i2', userId: 'u1' })).deletedCount, 1);
    assert.deepEqual(ids(await collection.find({}).toArray()), ['a', 'b', 'd']);
  });

  it('reads through the index, except for fields that may hold arrays', async (t) => {
    const indexed = await ferretdbPlan('pushdown', { instanceId: 'i1', userId: 'u1', n: 1 });
    if (indexed === null) return t.skip('the plan is FerretDB-specific');
    // Both equalities of the compound index, the unindexed `n` left to FerretDB.
    assert.match(indexed, /SEARCH \w+ USING INDEX \w+_instanceId_1_userId_1 \(<expr>=\? AND <expr>=\?\)/);
    const multikey = await ferretdbPlan('pushdown', { tags: 'x' });
    assert.doesNotMatch(multikey!, /USING INDEX/);
  });
});

describe('$in on indexed fields (FerretDB: pushed down to SQLite)', () => {
  it('returns exactly what the whole filter matches', async () => {
    const collection = mongoose.connection.db!.collection<Doc>('pushdown');
    assert.deepEqual(ids(await collection.find({ _id: { $in: ['a', 'd', 'missing'] } }).toArray()), ['a', 'd']);
    assert.deepEqual(ids(await collection.find({ _id: { $in: ['a', 'd'] }, n: 4 }).toArray()), ['d']);
    assert.deepEqual(ids(await collection.find({ instanceId: { $in: ['i1', 'i3'] }, userId: 'u2' }).toArray()), ['b']);
    // A number among the string ids.
    const untyped = mongoose.connection.db!.collection<{ _id: string | number }>('pushdown');
    assert.deepEqual(
      (await untyped.find({ _id: { $in: ['a', 4] } }).toArray()).map((doc) => doc._id),
      ['a'],
      'a list with other values than strings is evaluated as before',
    );
    assert.deepEqual(ids(await collection.find({ tags: { $in: ['y'] } }).toArray()), ['a'], 'arrays of _multikey');
    assert.equal((await collection.deleteMany({ _id: { $in: ['d', 'missing'] } })).deletedCount, 1);
    assert.deepEqual(ids(await collection.find({}).toArray()), ['a', 'b']);
  });

  it('reads `_id` lists through the `_id` index', async (t) => {
    const plan = await ferretdbPlan('pushdown', { _id: { $in: ['a', 'b'] } });
    if (plan === null) return t.skip('the plan is FerretDB-specific');
    assert.match(plan, /SEARCH \w+ USING INDEX \w+_id_ \(<expr>=\?\)/);
    const indexed = await ferretdbPlan('pushdown', { instanceId: { $in: ['i1', 'i2'] }, userId: 'u1' });
    assert.match(indexed!, /SEARCH \w+ USING INDEX \w+_instanceId_1_userId_1 \(<expr>=\? AND <expr>=\?\)/);
  });
});

/** The top-level paths of a model's schema that hold arrays. */
function arrayPaths(model: Model<never>): Set<string> {
  const paths = new Set<string>();
  model.schema.eachPath((name, type) => {
    if (!name.includes('.') && type.instance === 'Array') paths.add(name);
  });
  return paths;
}

it('names every index on a field that may hold an array `_multikey`, so FerretDB does not push it down', () => {
  const offenders: string[] = [];
  for (const model of [...domainModels, ...oidcPayloadModels()] as unknown as Array<Model<never>>) {
    const arrays = arrayPaths(model);
    for (const [keys, options] of model.schema.indexes()) {
      const name = (options as { name?: string }).name ?? '';
      const arrayKeys = Object.keys(keys).filter((key) => arrays.has(key));
      if (arrayKeys.length > 0 && !name.endsWith('_multikey'))
        offenders.push(`${model.modelName} {${Object.keys(keys).join(', ')}}`);
    }
  }
  assert.deepEqual(offenders, []);
  assert.ok(
    domainModels.some((model) =>
      model.schema.indexes().some(([, options]) => (options as { name?: string }).name === 'domains_multikey'),
    ),
    'the instance domains index is one of them',
  );
});
