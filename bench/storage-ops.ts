// `node bench/storage-ops.ts`: what each storage operation the OIDC adapter can use costs on the bench's
// database as a collection grows. On FerretDB v1 (SQLite) some operations scan the whole collection, so
// their cost grows with the number of stored tokens; this shows which ones, to pick the others.
import mongoose from 'mongoose';
import { oidcPayloadModel } from '../src/store/models/oidc-payload.ts';
import { openBenchDatabase } from './lib/database.ts';
import { tableRow } from './lib/table.ts';

const SIZES = [1_000, 10_000, 30_000];
const REPEAT = 20;

const database = await openBenchDatabase();
const model = oidcPayloadModel('AccessToken');
await model.createIndexes();
/** The stored tokens as the adapter writes them; typed so that string ids are accepted in filters. */
interface StoredToken {
  _id: string;
  payload: string;
  grantId?: string;
  expiresAt?: Date;
  consumed?: boolean;
}
// The same (cached) collection object as model.collection, with the document type of what this script stores.
const collection = model.db.collection<StoredToken>(model.collection.collectionName);
const expiresAt = new Date(Date.now() + 3_600_000);

async function perOperation(operation: (index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < REPEAT; index += 1) await operation(index);
  return (performance.now() - started) / REPEAT;
}

try {
  const rows: string[][] = [];
  for (const [round, size] of SIZES.entries()) {
    const have = await collection.countDocuments();
    const documents = Array.from({ length: size - have }, (_, index) => ({
      _id: `t${have + index}`,
      payload: '{}',
      grantId: `g${have + index}`,
      expiresAt,
    }));
    for (let start = 0; start < documents.length; start += 1_000)
      await collection.insertMany(documents.slice(start, start + 1_000));
    const existing = (index: number): string => `t${round * 200 + index}`;
    const fresh = (index: number): string => `new-${round}-${index}`;
    // Look-ups aim at the newest documents: a scan that stops at the first match would look fast on the oldest.
    const newest = (index: number): number => size - 1 - index;
    const timings: Array<[string, (index: number) => Promise<unknown>]> = [
      ['findOne {_id}', (i) => collection.findOne({ _id: `t${newest(i)}` })],
      ['findOne {grantId} (indexed)', (i) => collection.findOne({ grantId: `g${newest(i)}` })],
      ['findOne {_id, grantId}', (i) => collection.findOne({ _id: `t${newest(i)}`, grantId: `g${newest(i)}` })],
      ['insertOne', (i) => collection.insertOne({ _id: fresh(i), payload: '{}', expiresAt })],
      ['updateOne {_id} $set', (i) => collection.updateOne({ _id: existing(i) }, { $set: { consumed: true } })],
      [
        'updateOne {_id} $set, upsert (new)',
        (i) => collection.updateOne({ _id: `upsert-${fresh(i)}` }, { $set: { payload: '{}' } }, { upsert: true }),
      ],
      [
        'replaceOne {_id}, upsert (existing)',
        (i) => collection.replaceOne({ _id: existing(i + REPEAT) }, { payload: '{}' }, { upsert: true }),
      ],
      [
        'findOneAndUpdate {_id, consumed: {$ne: true}}',
        (i) =>
          collection.findOneAndUpdate(
            { _id: existing(i + 2 * REPEAT), consumed: { $ne: true } },
            { $set: { consumed: true } },
          ),
      ],
      ['deleteOne {_id}', (i) => collection.deleteOne({ _id: existing(i + 3 * REPEAT) })],
      ['deleteMany {grantId} (indexed)', (i) => collection.deleteMany({ grantId: `g${round * 200 + 4 * REPEAT + i}` })],
    ];
    for (const [name, operation] of timings) {
      const row = rows.find((candidate) => candidate[0] === name) ?? rows[rows.push([name]) - 1]!;
      row.push((await perOperation(operation)).toFixed(2));
    }
  }
  const header = ['operation (ms each)', ...SIZES.map((size) => `${size.toLocaleString('en-US')} docs`)];
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) console.log(tableRow(row, widths));
  console.log(`\n${database.description}`);
} finally {
  await mongoose.disconnect().catch(() => undefined);
  await database.stop();
}
