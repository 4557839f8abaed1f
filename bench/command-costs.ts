// `node bench/command-costs.ts [--repeat=N]`: the database's CPU per command of the login's code step, one command at
// a time on the bench's database (the embedded FerretDB, whose threads are read in /proc): what one more document in
// an insert, a read or a deletion costs next to one more command, to choose between cuts (bench/README.md, "Login").
import { parseArgs } from 'node:util';
import { newId } from '../src/platform/ids.ts';
import { Event } from '../src/store/models/event.ts';
import { RateLimitHit } from '../src/store/models/rate-limit-hit.ts';
import { FactorUse } from '../src/store/models/user-factor.ts';
import { openBenchDatabase } from './lib/database.ts';
import { threadNanoseconds } from './lib/proc.ts';
import { table } from './lib/table.ts';

const { values: args } = parseArgs({ options: { repeat: { type: 'string', default: '300' } } });
const REPEAT = Number(args.repeat);
/** Documents already stored in each collection, as a running instance has them. */
const BACKGROUND = 5_000;

const database = await openBenchDatabase();
if (database.pid === null) throw new Error('command-costs reads the embedded FerretDB’s CPU: unset MONGODB_URI');

/** The database's CPU per call of `operation`, in ms. */
async function cost(operation: (index: number) => Promise<unknown>): Promise<number> {
  const before = threadNanoseconds(database.pid);
  for (let index = 0; index < REPEAT; index += 1) await operation(index);
  return (threadNanoseconds(database.pid) - before) / REPEAT / 1e6;
}

type StoredDocument = { _id: string } & Record<string, unknown>;
const instanceId = 'bench-instance';
const marker = (factorId: string, step: number) => ({
  _id: `${factorId}:${step}`,
  instanceId,
  factorId,
  createdAt: new Date(),
  expiresAt: new Date(Date.now() + 120_000),
});
const hit = (limit: string, key: string) => ({
  _id: newId(),
  instanceId,
  limit,
  key,
  at: new Date(),
  expiresAt: new Date(Date.now() + 300_000),
});
const event = () => ({
  _id: newId(),
  instanceId,
  orgId: 'org',
  actorId: 'user',
  resourceType: 'user',
  resourceId: 'user',
  type: 'user.mfa.check.succeeded',
  payload: { factorId: 'factor', factorType: 'totp', ip: '127.0.0.1', userAgent: 'bench' },
  createdAt: new Date(),
});

try {
  await Promise.all([FactorUse, RateLimitHit, Event].map((model) => model.createIndexes()));
  // The models' collections, typed for documents with string ids.
  const collection = (model: typeof FactorUse | typeof RateLimitHit | typeof Event) =>
    model.db.collection<StoredDocument>(model.collection.collectionName);
  const uses = collection(FactorUse);
  const hits = collection(RateLimitHit);
  const events = collection(Event);
  await uses.insertMany(Array.from({ length: BACKGROUND }, (_, index) => marker(`background${index % 500}`, index)));
  await hits.insertMany(Array.from({ length: BACKGROUND }, (_, index) => hit('otpFailuresPerUser', `k${index}`)));
  await events.insertMany(Array.from({ length: BACKGROUND }, event));
  const rows: string[][] = [];
  const row = async (name: string, operation: (index: number) => Promise<unknown>) => {
    rows.push([name, (await cost(operation)).toFixed(3)]);
  };
  await row('insert factor_uses, 1 document', (index) => uses.insertOne(marker('one', index)));
  await row('insert factor_uses, 3 documents', (index) =>
    uses.insertMany([0, 1, 2].map((each) => marker('three', 3 * index + each))),
  );
  await row('insert rate_limit_hits, 2 documents', () =>
    hits.insertMany([hit('otpFailuresPerUser', 'many'), hit('otpFailuresPerIp', 'many')]),
  );
  const pairs = Array.from({ length: REPEAT }, () => [
    hit('otpFailuresPerUser', 'gone'),
    hit('otpFailuresPerIp', 'gone'),
  ]);
  await hits.insertMany(pairs.flat());
  await row('delete rate_limit_hits, 2 by _id', (index) =>
    hits.deleteMany({ _id: { $in: pairs[index]!.map(({ _id }) => _id) } }),
  );
  const singles = Array.from({ length: REPEAT }, () => hit('otpFailuresPerUser', 'gone'));
  await hits.insertMany(singles);
  await row('delete rate_limit_hits, 1 by _id', (index) => hits.deleteMany({ _id: { $in: [singles[index]!._id] } }));
  const storedUses = await uses.find({}, { projection: { _id: 1 }, limit: REPEAT + 1 }).toArray();
  await row('find factor_uses, 1 by _id', (index) => uses.find({ _id: { $in: [storedUses[index]!._id] } }).toArray());
  await row('find factor_uses, 2 by _id', (index) =>
    uses.find({ _id: { $in: [storedUses[index]!._id, storedUses[index + 1]!._id] } }).toArray(),
  );
  await row('insert events, 1 document', () => events.insertOne(event()));
  await row('insert events, 2 documents', () => events.insertMany([event(), event()]));
  await hits.insertMany([hit('otpFailuresPerUser', 'user'), hit('otpFailuresPerIp', 'ip')]);
  await row('find rate_limit_hits, 2 keys, 2 in their windows', () =>
    hits
      .find(
        {
          instanceId,
          limit: { $in: ['otpFailuresPerUser', 'otpFailuresPerIp'] },
          key: { $in: ['user', 'ip'] },
          at: { $gt: new Date(Date.now() - 300_000) },
        },
        { projection: { _id: 0, limit: 1, key: 1, at: 1 }, batchSize: 1000 },
      )
      .toArray(),
  );
  console.log(`FerretDB CPU per command, ${REPEAT} of each, ${BACKGROUND} documents in each collection`);
  console.log(table(['command', 'database CPU ms'], rows));
} finally {
  await database.stop();
}
