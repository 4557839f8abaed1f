import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sweepExpired } from '../../src/store/database/sweeper.ts';
import { oidcPayloadModel } from '../../src/store/models/oidc-payload.ts';
import { sessionIdsOfAccount } from '../../src/store/queries/oidc-sessions.ts';
import { ConsumedByAnotherRequest, MongoAdapter } from '../../src/oidc/adapter.ts';
import { useFreshDatabase } from '../helpers/database.ts';

let dropDatabase: () => Promise<void>;
before(async () => {
  dropDatabase = await useFreshDatabase();
});
after(() => dropDatabase());

describe('oidc-provider storage adapter', () => {
  it('stores, finds by id, uid and user code, and destroys', async () => {
    const sessions = new MongoAdapter('Session', 'i1');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    assert.deepEqual(await sessions.find('s1'), { uid: 'u1', accountId: 'a' });
    assert.deepEqual(await sessions.findByUid('u1'), { uid: 'u1', accountId: 'a' });
    const devices = new MongoAdapter('DeviceCode', 'i1');
    await devices.upsert('d1', { userCode: 'BCDF-GHJK', grantId: 'g' }, 60);
    assert.equal((await devices.findByUserCode('BCDF-GHJK'))?.grantId, 'g');
    await sessions.destroy('s1');
    assert.equal(await sessions.find('s1'), undefined);
  });

  it('indexes each collection by what its models are looked up by, and nothing else', async () => {
    const indexed = async (name: string) =>
      (await oidcPayloadModel(name).listIndexes()).map((index) => Object.keys(index.key as object).join(',')).sort();
    assert.deepEqual(
      await indexed('AccessToken'),
      ['_id', 'grantId'],
      'access, client-credentials and refresh tokens: revocation by grant',
    );
    assert.deepEqual(await indexed('AuthorizationCode'), ['_id', 'grantId']);
    assert.deepEqual(await indexed('DeviceCode'), ['_id', 'grantId', 'userCode']);
    assert.deepEqual(await indexed('Session'), ['_id', 'accountId', 'uid'], "by uid, and a user's sessions by account");
    assert.deepEqual(await indexed('Interaction'), ['_id']);
    assert.deepEqual(await indexed('Grant'), ['_id']);
  });

  it("finds a user's sessions by account, in its own instance only, and only while the session names the user", async () => {
    const sessions = new MongoAdapter('Session', 'i1');
    await sessions.upsert('mine-1', { uid: 'm1', accountId: 'user-a' }, 60);
    await sessions.upsert('mine-2', { uid: 'm2', accountId: 'user-a' }, 60);
    await sessions.upsert('other-user', { uid: 'o1', accountId: 'user-b' }, 60);
    await new MongoAdapter('Session', 'i2').upsert('other-instance', { uid: 'x1', accountId: 'user-a' }, 60);
    assert.deepEqual((await sessionIdsOfAccount('i1', 'user-a')).sort(), ['mine-1', 'mine-2']);
    // Signed out in place (the provider keeps the session without an account): no longer the user's.
    await sessions.upsert('mine-2', { uid: 'm2' }, 60);
    assert.deepEqual(await sessionIdsOfAccount('i1', 'user-a'), ['mine-1']);
    const tokens = new MongoAdapter('AccessToken', 'i1');
    await tokens.upsert('t1', { accountId: 'user-a', grantId: 'g' }, 60);
    const token = await oidcPayloadModel('AccessToken').findById('i1:t1').lean();
    assert.equal(token?.accountId, undefined, 'only sessions are looked up by account');
  });

  it('keeps client-chosen keys with dots and dollars intact (FerretDB refuses them as field names)', async () => {
    const grants = new MongoAdapter('Grant', 'i1');
    const payload = { accountId: 'a', resources: { 'https://api.example.com': 'read' }, rejected: { $where: 'x' } };
    await grants.upsert('g-dots', payload, 60);
    assert.deepEqual(await grants.find('g-dots'), payload);
  });

  it('hides expired entries and sweeps them away', async () => {
    const codes = new MongoAdapter('AuthorizationCode', 'i1');
    await codes.upsert('expired', { accountId: 'a' }, 60);
    await oidcPayloadModel('AuthorizationCode').updateOne(
      { _id: 'i1:expired' },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    assert.equal(await codes.find('expired'), undefined);
    await codes.upsert('live', { accountId: 'a' }, 60);
    assert.ok((await sweepExpired()) >= 1);
    assert.equal(await oidcPayloadModel('AuthorizationCode').exists({ _id: 'i1:expired' }), null);
    assert.ok(await codes.find('live'));
  });

  it('revokes everything of a grant', async () => {
    const tokens = new MongoAdapter('AccessToken', 'i1');
    await tokens.upsert('t1', { grantId: 'g1' }, 60);
    await tokens.upsert('t2', { grantId: 'g1' }, 60);
    await tokens.upsert('t3', { grantId: 'g2' }, 60);
    await tokens.revokeByGrantId('g1');
    assert.equal(await tokens.find('t1'), undefined);
    assert.equal(await tokens.find('t2'), undefined);
    assert.ok(await tokens.find('t3'));
  });

  it('revokes the tokens of a grant whose insert is still waiting in the group commit', async () => {
    const tokens = new MongoAdapter('AccessToken', 'i1');
    for (let round = 0; round < 20; round++) {
      const grantId = `g-pending-${round}`;
      const saved = Promise.all([0, 1].map((n) => tokens.upsert(`pending-${round}-${n}`, { grantId }, 60)));
      await tokens.revokeByGrantId(grantId);
      await saved;
      for (const n of [0, 1]) assert.equal(await tokens.find(`pending-${round}-${n}`), undefined, `round ${round}`);
    }
  });

  it('keeps the token models apart in their shared collection: look-ups and revocation by grant', async () => {
    const access = new MongoAdapter('AccessToken', 'i1');
    const refresh = new MongoAdapter('RefreshToken', 'i1');
    const client = new MongoAdapter('ClientCredentials', 'i1');
    await refresh.upsert('shared-rt', { grantId: 'g-shared', kind: 'RefreshToken' }, 60);
    await access.upsert('shared-at', { grantId: 'g-shared', kind: 'AccessToken' }, 60);
    assert.equal(oidcPayloadModel('AccessToken'), oidcPayloadModel('RefreshToken'));

    // What introspection does: the same value looked up as every token model at once.
    const lookups = await Promise.all([access, client, refresh].map((adapter) => adapter.find('shared-rt')));
    assert.deepEqual(
      lookups.map((found) => found?.kind),
      [undefined, undefined, 'RefreshToken'],
    );

    // The provider revokes refresh tokens by grant only for clients allowed to refresh: per model.
    await access.revokeByGrantId('g-shared');
    assert.equal(await access.find('shared-at'), undefined);
    assert.equal((await refresh.find('shared-rt'))?.kind, 'RefreshToken');
  });

  it('answers reads made together (one command per collection) each with its own instance and id', async () => {
    const mine = new MongoAdapter('Session', 'i1');
    const theirs = new MongoAdapter('Session', 'i2');
    await Promise.all([mine.upsert('same', { uid: 'mine' }, 60), theirs.upsert('same', { uid: 'theirs' }, 60)]);
    await mine.upsert('expired', { uid: 'gone' }, 60);
    await oidcPayloadModel('Session').updateOne({ _id: 'i1:expired' }, { $set: { expiresAt: new Date(0) } });
    const found = await Promise.all([
      mine.find('same'),
      theirs.find('same'),
      mine.find('missing'),
      mine.find('expired'),
      mine.find('same'),
    ]);
    assert.deepEqual(
      found.map((session) => session?.uid),
      ['mine', 'theirs', undefined, undefined, 'mine'],
    );
  });

  it('lets exactly one of many concurrent consumers consume a code', async () => {
    const codes = new MongoAdapter('AuthorizationCode', 'i1');
    for (let round = 0; round < 10; round++) {
      const id = `race-${round}`;
      await codes.upsert(id, { accountId: 'a', grantId: 'g' }, 60);
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => codes.consume(id)));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: exactly one winner`);
      for (const result of results)
        if (result.status === 'rejected')
          assert.ok(result.reason instanceof ConsumedByAnotherRequest, 'a loser knows it lost (the replay path)');
      assert.ok((await codes.find(id))?.consumed, 'the stored code reads as consumed');
    }
  });

  it('shows a consumed code as consumed to every process, by its marker: not by a process memory', async () => {
    const issuer = new MongoAdapter('AuthorizationCode', 'i1');
    const elsewhere = new MongoAdapter('AuthorizationCode', 'i1');
    await issuer.upsert('marked', { accountId: 'a', grantId: 'g' }, 60);
    assert.equal((await elsewhere.find('marked'))?.consumed, undefined);
    await issuer.consume('marked');
    assert.ok((await elsewhere.find('marked'))?.consumed, 'read as consumed');
    await assert.rejects(elsewhere.consume('marked'), ConsumedByAnotherRequest);
    // The marker is never taken for a code of its own.
    assert.equal(await elsewhere.find('marked:consumed'), undefined);
    await issuer.destroy('marked');
    assert.equal(await elsewhere.find('marked'), undefined);
  });

  it('inserts a new document once: of many concurrent callers one, the others learn they lost', async () => {
    const refresh = new MongoAdapter('RefreshToken', 'i1');
    for (let round = 0; round < 10; round++) {
      const id = `successor-${round}`;
      assert.equal(await refresh.has(id), false);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, n) => refresh.insertNew(id, { grantId: 'g', kind: 'RefreshToken', n }, 60)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}: exactly one winner`);
      for (const result of results)
        if (result.status === 'rejected') assert.ok(result.reason instanceof ConsumedByAnotherRequest);
      assert.equal(await refresh.has(id), true);
      await assert.rejects(refresh.insertNew(id, { kind: 'RefreshToken' }, 60), ConsumedByAnotherRequest, 'and later');
    }
    assert.equal(await new MongoAdapter('AccessToken', 'i1').has('successor-0'), false, "another model's document");
  });

  it('revokes refresh tokens in place: their ids stay taken until they expire', async () => {
    const refresh = new MongoAdapter('RefreshToken', 'i1');
    await refresh.insertNew('kept-1', { grantId: 'g-kept', kind: 'RefreshToken' }, 60);
    await refresh.insertNew('kept-2', { grantId: 'g-kept', kind: 'RefreshToken' }, 60);
    await refresh.destroy('kept-1');
    await refresh.revokeByGrantId('g-kept');
    for (const id of ['kept-1', 'kept-2']) {
      assert.equal(await refresh.find(id), undefined, `${id} is revoked`);
      assert.equal(await refresh.has(id), true);
      await assert.rejects(refresh.insertNew(id, { kind: 'RefreshToken' }, 60), ConsumedByAnotherRequest);
    }
  });

  it('inserts a replay record once: one of many concurrent callers, and again only once it has expired', async () => {
    const records = new MongoAdapter('ReplayDetection', 'i1');
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () => records.insertUnlessLive('r1', { iss: 'client' }, 60)),
    );
    assert.equal(attempts.filter(Boolean).length, 1);
    await records.insertUnlessLive('r2', { iss: 'client' }, 60);
    assert.equal(await records.insertUnlessLive('r2', { iss: 'client' }, 60), false);
    await oidcPayloadModel('ReplayDetection').updateOne(
      { _id: 'i1:r2' },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const afterExpiry = await Promise.all([1, 2, 3].map(() => records.insertUnlessLive('r2', { iss: 'client' }, 60)));
    assert.deepEqual(afterExpiry.filter(Boolean).length, 1);
    assert.deepEqual(await records.find('r2'), { iss: 'client' });
  });
});
