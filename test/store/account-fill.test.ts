// A login step's fresh read of a user fills the account entry the provider's resume reads (store/queries/accounts.ts
// `readUserIntoAccount`): the entry must be what `findActiveAccount` reads itself, never the password hash.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { Organization, User } from '../../src/store/models/index.ts';
import { dropInstanceCache } from '../../src/store/cache/instance-cache.ts';
import { findActiveAccount, readUserIntoAccount } from '../../src/store/queries/accounts.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

/** A collection of documents with string ids, as Castellan's are. */
const documentsOf = (name: string) =>
  mongoose.connection.db!.collection<{ _id: string } & Record<string, unknown>>(name);

/** An org and a human user with a password, written straight to their collections. */
async function seedUser(instanceId: string, state: string): Promise<string> {
  const orgId = randomUUID();
  const userId = randomUUID();
  const now = new Date();
  await documentsOf(Organization.collection.collectionName).insertOne({
    _id: orgId,
    instanceId,
    name: 'Org',
    state: 'active',
    primaryDomain: `${orgId}.example`,
    createdAt: now,
  });
  await documentsOf(User.collection.collectionName).insertOne({
    _id: userId,
    instanceId,
    orgId,
    type: 'human',
    username: `user-${userId}`,
    state,
    human: { email: 'a@example.com', givenName: 'A', familyName: 'B', passwordHash: '$argon2id$hash' },
    createdAt: now,
  });
  return userId;
}

describe('the account filled by a fresh read of the user', () => {
  it('is the account findActiveAccount reads, without the password hash; the read returns the whole user', async () => {
    const instanceId = randomUUID();
    const userId = await seedUser(instanceId, 'active');
    const read = readUserIntoAccount(instanceId, userId);
    assert.ok(read, 'no entry yet: the user is read');
    assert.equal((await read)?.human?.passwordHash, '$argon2id$hash');
    const filled = await findActiveAccount(instanceId, userId);
    assert.equal(readUserIntoAccount(instanceId, userId), null, 'the entry exists: nothing read');
    dropInstanceCache(instanceId);
    const readItself = await findActiveAccount(instanceId, userId);
    assert.ok(filled && readItself);
    assert.deepEqual(filled, readItself);
    assert.equal('passwordHash' in (filled.user.human ?? {}), false);
  });

  it('is no account for a user who is not active', async () => {
    const instanceId = randomUUID();
    const userId = await seedUser(instanceId, 'locked');
    assert.equal((await readUserIntoAccount(instanceId, userId))?.state, 'locked');
    assert.equal(await findActiveAccount(instanceId, userId), null);
  });
});
