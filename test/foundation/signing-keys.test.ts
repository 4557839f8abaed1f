import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MasterKey } from '../../src/platform/crypto.ts';
import { SigningKey } from '../../src/store/models/index.ts';
import { ensureSigningKeys, loadSigningJwks, rotateSigningKeys } from '../../src/store/queries/signing-keys.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

describe('signing keys', () => {
  const masterKey = MasterKey.generate();

  it('creates one active RS256 and one ES256 key, encrypted at rest, RS256 first', async () => {
    await ensureSigningKeys('i1', masterKey);
    await ensureSigningKeys('i1', masterKey);
    const stored = await SigningKey.find({ instanceId: 'i1' }).lean();
    assert.equal(stored.length, 2);
    for (const key of stored) {
      assert.ok(!('d' in (key.publicJwk as object)), 'the public JWK has no private part');
      assert.doesNotMatch(key.privateJwkEncrypted, /"d"/, 'the private JWK is not stored in clear');
    }
    const jwks = await loadSigningJwks('i1', masterKey);
    assert.deepEqual(
      jwks.map((k) => k.alg),
      ['RS256', 'ES256'],
    );
    assert.ok(jwks.every((k) => typeof k.d === 'string'));
    await assert.rejects(loadSigningJwks('i1', MasterKey.generate()), 'another master key cannot read them');
  });

  it('rotates: publishes next keys first, then promotes them and retires the old ones, then deletes old retired keys', async () => {
    await ensureSigningKeys('i2', masterKey);
    const original = (await SigningKey.find({ instanceId: 'i2', state: 'active' }).lean()).map((k) => k._id).sort();
    await rotateSigningKeys('i2', masterKey, 3600);
    assert.deepEqual(
      (await SigningKey.find({ instanceId: 'i2', state: 'active' }).lean()).map((k) => k._id).sort(),
      original,
      'first step only publishes next keys',
    );
    const next = (await SigningKey.find({ instanceId: 'i2', state: 'next' }).lean()).map((k) => k._id).sort();
    assert.equal(next.length, 2);

    await rotateSigningKeys('i2', masterKey, 3600);
    assert.deepEqual(
      (await SigningKey.find({ instanceId: 'i2', state: 'active' }).lean()).map((k) => k._id).sort(),
      next,
    );
    assert.deepEqual(
      (await SigningKey.find({ instanceId: 'i2', state: 'retired' }).lean()).map((k) => k._id).sort(),
      original,
    );
    assert.equal((await loadSigningJwks('i2', masterKey)).length, 6, 'retired and next keys stay published');

    await SigningKey.updateMany(
      { instanceId: 'i2', state: 'retired' },
      { $set: { retiredAt: new Date(Date.now() - 7200_000) } },
    );
    await rotateSigningKeys('i2', masterKey, 3600);
    assert.equal(
      await SigningKey.countDocuments({ instanceId: 'i2', _id: { $in: original } }),
      0,
      'retired keys older than the retention are gone',
    );
  });
});
