import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { useFreshDatabase } from '../helpers/database.ts';

// Castellan's FerretDB build decodes stored documents with its own one-pass decoder (tools/ferretdb/sjson-decode.go,
// docs/ferretdb.md, patch 5): every value must come back as the very BSON that was stored, types, key order and
// all. Compared as raw BSON bytes, so an int32 read back as a double or a -0 read back as 0 fails. Also true of
// MongoDB, where these tests run as well.
const { BSON, Binary, BSONRegExp, Double, Int32, Long, ObjectId, Timestamp } = mongoose.mongo;

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

const awkwardValues = {
  wholeDouble: new Double(3),
  largestDouble: new Double(Number.MAX_VALUE),
  smallestDouble: new Double(Number.MIN_VALUE),
  fraction: 0.1,
  int32Edges: [new Int32(2147483647), new Int32(-2147483648), new Int32(0)],
  int64Edges: [Long.fromString('9223372036854775807'), Long.fromString('-9223372036854775808'), Long.fromInt(1)],
  dates: [new Date(0), new Date(-62135596800000), new Date(1_700_000_000_123)],
  text: 'é\u2028\u2029<>&"\\/\t\u0001 😀 \ufffd',
  nonAsciiKeys: { 'ключ é': 'v', '😀': new Int32(1) },
  nulls: [null, { inner: null }],
  empty: { document: {}, array: [], string: '' },
  binary: new Binary(Buffer.from([0, 1, 255]), 0),
  uuid: new Binary(Buffer.alloc(16, 7), 4),
  objectId: new ObjectId('0102030405060708090a0b0c'),
  regex: new BSONRegExp('^a.*"', 'i'),
  timestamp: new Timestamp({ t: 1_700_000_000, i: 42 }),
  nested: { a: [null, new Int32(1), 'x', { b: [{}, { c: [] }] }], c: { d: 1.5, e: [new Date(86_400_000)] } },
};

/** Documents keyed by a string `_id`, as Castellan's collections are. */
const collection = (name: string) =>
  mongoose.connection.db!.collection<{ _id: string; [field: string]: unknown }>(name);

function storedBytes(document: object): Buffer {
  return Buffer.from(BSON.serialize(document));
}

describe('stored documents are read back as stored (FerretDB decoding)', () => {
  it('every awkward value comes back byte for byte, by _id and by a scan, alone and in a batch', async () => {
    const docs = collection('decode_awkward');
    const stored = [0, 1, 2].map((n) => ({ _id: `doc-${n}`, n: new Int32(n), ...awkwardValues }));
    await docs.insertMany(stored);
    const byId = await docs.findOne({ _id: 'doc-1' }, { raw: true });
    assert.deepEqual(byId, storedBytes(stored[1]!));
    const scanned = await docs.find({}, { raw: true, sort: { _id: 1 } }).toArray();
    assert.deepEqual(scanned, stored.map(storedBytes));
  });

  // Keys whose JSON has escapes take FerretDB's own decoder (sjson-decode.go): the same bytes must come back.
  it('keys with escaped characters come back as stored', async () => {
    const docs = collection('decode_escaped_keys');
    const stored = { _id: 'escaped', inner: { 'quote"d': new Int32(1), 'back\\slash': true, '<tag>': 'x' } };
    await docs.insertOne(stored);
    assert.deepEqual(await docs.findOne({ _id: 'escaped' }, { raw: true }), storedBytes(stored));
  });

  // FerretDB v1 stores -0 as 0 (its own behaviour, with or without patch 5); the type stays a double.
  it('-0 comes back as a double zero', async () => {
    const docs = collection('decode_negative_zero');
    await docs.insertOne({ _id: 'zero', z: new Double(-0) });
    const read = await docs.findOne({ _id: 'zero' }, { promoteValues: false });
    assert.ok(read?.z instanceof Double);
    assert.equal(Math.abs(read.z.valueOf()), 0);
  });

  it('a document whose value types change under the same keys is decoded by its own schema', async () => {
    const docs = collection('decode_changing_types');
    const first = { _id: 'same-keys-1', v: new Int32(1), w: 'text' };
    const second = { _id: 'same-keys-2', v: new Double(1), w: [new Long(1)] };
    const third = { _id: 'same-keys-3', v: null, w: { x: new Int32(1) } };
    await docs.insertMany([first, second, third]);
    const read = await docs.find({}, { raw: true, sort: { _id: 1 } }).toArray();
    assert.deepEqual(read, [first, second, third].map(storedBytes));
  });
});
