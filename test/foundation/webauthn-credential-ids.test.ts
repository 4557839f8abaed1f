// A WebAuthn credential id is registered once per instance (WebAuthn §7.1 step 26), decided by the database even when
// two registrations of one credential race: the factor's `_id` is derived from the instance and the credential id,
// and an `_id` is unique on MongoDB and FerretDB alike (docs/portable-mongodb.md).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { UserFactor } from '../../src/store/models/index.ts';
import { insertWebauthnFactor } from '../../src/store/queries/webauthn.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

const factorOf = (instanceId: string, userId: string, credentialId: string) => ({
  instanceId,
  userId,
  orgId: 'org',
  name: 'Key',
  webauthn: { credentialId, publicKey: 'pk', signCount: 0, transports: [], discoverable: false },
});

it('of parallel registrations of one credential id in an instance exactly one is stored', async () => {
  for (let round = 0; round < 5; round++) {
    const credentialId = `credential-${round}`;
    const results = await Promise.all(
      ['alice', 'mallory', 'alice', 'bob'].map((userId) => insertWebauthnFactor(factorOf('i1', userId, credentialId))),
    );
    assert.equal(results.filter((result) => result !== null).length, 1, `round ${round}`);
    assert.equal(await UserFactor.countDocuments({ instanceId: 'i1', 'webauthn.credentialId': credentialId }), 1);
  }
});

it('the same credential id in another instance is another credential', async () => {
  assert.ok(await insertWebauthnFactor(factorOf('i1', 'carol', 'shared')));
  assert.ok(await insertWebauthnFactor(factorOf('i2', 'carol', 'shared')));
  assert.equal(await insertWebauthnFactor(factorOf('i2', 'dave', 'shared')), null);
});

it('once the factor is removed, the credential can be registered again', async () => {
  const first = await insertWebauthnFactor(factorOf('i3', 'erin', 'again'));
  await UserFactor.deleteOne({ _id: first!._id });
  assert.ok(await insertWebauthnFactor(factorOf('i3', 'erin', 'again')));
});
