import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import mongoose from 'mongoose';
import '../../bench/lib/memory-storage.ts';
import { MongoAdapter } from '../../src/oidc/adapter.ts';
import { useFreshDatabase } from '../helpers/database.ts';

// bench/alloc-cost.ts --storage=memory: the stand-in must take every operation the OIDC adapter makes on tokens and
// grants (else the tool would measure the database after all), and nothing else.
let drop: () => Promise<void>;
before(async () => {
  drop = await useFreshDatabase();
});
after(() => drop());

const storedIds = async (collection: string): Promise<string[]> =>
  (
    await mongoose.connection
      .db!.collection(collection)
      .aggregate([{ $project: { _id: 1 } }])
      .toArray()
  ).map((document) => String(document._id));

it('keeps the OIDC tokens and grants in the process and sends the other collections to the database', async () => {
  const grants = new MongoAdapter('Grant', 'inst');
  const refreshTokens = new MongoAdapter('RefreshToken', 'inst');
  const accessTokens = new MongoAdapter('AccessToken', 'inst');
  const sessions = new MongoAdapter('Session', 'inst');
  await grants.upsert('g1', { accountId: 'a', clientId: 'c', kind: 'Grant' }, 600);
  await refreshTokens.upsert('r1', { grantId: 'g1', accountId: 'a', kind: 'RefreshToken' }, 600);
  await refreshTokens.upsert('r2', { grantId: 'g1', accountId: 'a', kind: 'RefreshToken' }, 600);
  await accessTokens.upsert('t1', { grantId: 'g1', accountId: 'a', kind: 'AccessToken' }, 600);
  await sessions.upsert('s1', { accountId: 'a', kind: 'Session' }, 600);
  // Read as a refresh reads them: the token, then its grant; two tokens in one turn (one `find($in)`).
  assert.equal((await refreshTokens.find('r1'))?.grantId, 'g1');
  assert.equal((await grants.find('g1'))?.clientId, 'c');
  const [first, second] = await Promise.all([refreshTokens.find('r1'), refreshTokens.find('r2')]);
  assert.deepEqual([first?.kind, second?.kind], ['RefreshToken', 'RefreshToken']);
  assert.equal((await accessTokens.find('t1'))?.kind, 'AccessToken');
  await accessTokens.destroy('t1');
  assert.equal(await accessTokens.find('t1'), undefined);
  assert.equal((await sessions.find('s1'))?.accountId, 'a');
  assert.deepEqual(await storedIds('oidc_tokens'), [], 'no token reached the database');
  assert.deepEqual(await storedIds('oidc_grants'), [], 'no grant reached the database');
  assert.deepEqual(await storedIds('oidc_sessions'), ['inst:s1'], 'a session is stored as always');
});
