import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sweepExpired } from '../../src/store/database/sweeper.ts';
import { oidcPayloadModel } from '../../src/store/models/oidc-payload.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

it('sweeps more expired documents than one FerretDB delete can take (SQLite allows 32,766 parameters), and keeps the live ones', async () => {
  const tokens = oidcPayloadModel('AccessToken');
  // Written straight to the collection, with the string ids the adapter uses.
  const collection = tokens.db.collection<{ _id: string; payload: string; kind: string; expiresAt: Date }>(
    tokens.collection.name,
  );
  const expiredAt = new Date(Date.now() - 60_000);
  for (let batch = 0; batch < 34; batch += 1) {
    await collection.insertMany(
      Array.from({ length: 1_000 }, (_, index) => ({
        _id: `expired-${batch}-${index}`,
        payload: '{}',
        kind: 'AccessToken',
        expiresAt: expiredAt,
      })),
    );
  }
  await collection.insertOne({
    _id: 'live',
    payload: '{}',
    kind: 'AccessToken',
    expiresAt: new Date(Date.now() + 60_000),
  });
  assert.equal(await sweepExpired(), 34_000);
  assert.deepEqual(
    (await tokens.find({}, { _id: 1 }).lean()).map((document) => document._id),
    ['live'],
  );
});
