// Removing an instance through the System API deletes everything of it in batches (a resumable, idempotent job) and
// leaves other instances untouched; providers are built per instance on first use and kept within a bound.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { removeInstanceNow } from '../../src/domain/commands/instance-removal.ts';
import { createTenant } from '../../src/oidc/provider.ts';
import { TenantRegistry } from '../../src/oidc/tenants.ts';
import { domainModels, Instance, InstanceDomain, User } from '../../src/store/models/index.ts';
import { oidcPayloadModel } from '../../src/store/models/oidc-payload.ts';
import { CacheRevision } from '../../src/store/models/cache-revision.ts';
import { WriteLock } from '../../src/store/models/write-lock.ts';
import { takeLease } from '../../src/store/queries/leases.ts';
import { REVISION_RETENTION_MS } from '../../src/store/cache/revisions.ts';
import { sweepExpired } from '../../src/store/database/sweeper.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newInstanceBody, newOperator, systemCall, systemJwt, systemUsersEnv } from './helpers.ts';

const operator = newOperator('operator');
let server: TestServer;
let token: string;

async function create(name: string, domain: string): Promise<string> {
  const created = await systemCall(server.url, token, 'POST', '/instances', newInstanceBody(name, [domain]));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id as string;
}

/** Every document of the instance, in every collection. */
async function documentsOf(instanceId: string): Promise<number> {
  let count = await Instance.countDocuments({ _id: instanceId });
  for (const model of domainModels)
    if (model !== Instance) count += await (model as typeof User).countDocuments({ instanceId });
  const sessions = oidcPayloadModel('Session');
  return count + (await sessions.countDocuments({ _id: new RegExp(`^${instanceId}:`) }));
}

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false', CASTELLAN_SYSTEM_USERS: systemUsersEnv([{ operator }]) });
  token = await systemJwt(operator, { audience: server.config.publicUrl });
});
after(() => server.stop());

describe('removing an instance', () => {
  it('answers 202, reads removing, then is gone with all its data; the other instance keeps all of its', async () => {
    const doomed = await create('Doomed', 'doomed.test');
    const kept = await create('Kept', 'kept.test');
    await oidcPayloadModel('Session').create({ _id: `${doomed}:session-1`, payload: '{}' });
    await oidcPayloadModel('Session').create({ _id: `${kept}:session-1`, payload: '{}' });
    const keptBefore = await documentsOf(kept);
    assert.ok((await documentsOf(doomed)) > 5);

    const removal = await systemCall(server.url, token, 'DELETE', `/instances/${doomed}`);
    assert.equal(removal.status, 202);
    assert.equal(removal.body.state, 'removing');
    const deadline = Date.now() + 30_000;
    while ((await systemCall(server.url, token, 'GET', `/instances/${doomed}`)).status !== 404) {
      assert.ok(Date.now() < deadline, 'the removal did not finish');
      await sleep(100);
    }
    assert.equal(await documentsOf(doomed), 0);
    assert.equal(await InstanceDomain.countDocuments({ instanceId: doomed }), 0);
    assert.equal(await documentsOf(kept), keptBefore);
    assert.equal((await systemCall(server.url, token, 'DELETE', `/instances/${doomed}`)).status, 404);
    // Its domain is free again.
    await create('Reborn', 'doomed.test');
  });

  it('is idempotent and resumable: a removal cut short finishes when run again, a finished one does nothing', async () => {
    const instanceId = await create('Interrupted', 'interrupted.test');
    // As a crash would leave it: marked removing, part of its data deleted already.
    await Instance.updateOne({ _id: instanceId }, { $set: { state: 'removing' } });
    await User.deleteMany({ instanceId, type: 'machine' });
    const settings = server.config.system.removal;
    const [first, joined] = [removeInstanceNow(instanceId, settings), removeInstanceNow(instanceId, settings)];
    assert.equal(first, joined, 'a second request joins the running removal');
    assert.ok((await first) > 0);
    assert.equal(await documentsOf(instanceId), 0);
    assert.equal(await removeInstanceNow(instanceId, settings), 0);
  });

  it('leaves an instance another process is removing to it, and takes over once that one died', async () => {
    const instanceId = await create('Leased', 'leased.test');
    await Instance.updateOne({ _id: instanceId }, { $set: { state: 'removing' } });
    const before = await documentsOf(instanceId);
    const otherProcess = await takeLease(`instance-removal:${instanceId}`, 60_000);
    assert.ok(otherProcess);
    assert.equal(await removeInstanceNow(instanceId, server.config.system.removal), 0);
    assert.equal(await documentsOf(instanceId), before, 'nothing deleted twice');
    // The other process died: its lease expires.
    await WriteLock.updateOne({ _id: `instance-removal:${instanceId}` }, { $set: { expiresAt: new Date(0) } });
    assert.ok((await removeInstanceNow(instanceId, server.config.system.removal)) > 0);
    assert.equal(await documentsOf(instanceId), 0);
  });

  it('works in small paced batches, other instances answered meanwhile; removals at once share passes', async () => {
    const [busy, alsoBusy] = [await create('Busy', 'busy.test'), await create('AlsoBusy', 'also-busy.test')];
    const sessions = oidcPayloadModel('Session');
    for (const instanceId of [busy, alsoBusy])
      await sessions.insertMany(
        Array.from({ length: 40 }, (_, index) => ({ _id: `${instanceId}:session-${index}`, payload: '{}' })),
      );
    const settings = { batchSize: 5, dutyCycle: 0.5, maxPauseMs: 1000 };
    let finished = false;
    const removals = Promise.all([removeInstanceNow(busy, settings), removeInstanceNow(alsoBusy, settings)]);
    void removals.finally(() => (finished = true));
    let answeredMeanwhile = 0;
    while (!finished) {
      const discovery = await fetch(`${server.url}/.well-known/openid-configuration`);
      assert.equal(discovery.status, 200);
      if (!finished) answeredMeanwhile++;
    }
    const [busyDeleted, alsoBusyDeleted] = await removals;
    assert.ok(answeredMeanwhile >= 2, `${answeredMeanwhile} requests answered during the removal`);
    assert.equal(await documentsOf(busy), 0);
    assert.equal(await documentsOf(alsoBusy), 0);
    assert.ok(busyDeleted + alsoBusyDeleted > 80);
  });
});

describe('cache revisions', () => {
  it('the sweeper keeps only the revisions a poll may still read, so they do not pile up with instances', async () => {
    const old = new Date(Date.now() - REVISION_RETENTION_MS - 60_000);
    await CacheRevision.create({ _id: 'long-unchanged', revision: 'r1', changedAt: old });
    await CacheRevision.create({ _id: 'just-changed', revision: 'r2', changedAt: new Date() });
    await sweepExpired();
    assert.equal(await CacheRevision.exists({ _id: 'long-unchanged' }), null);
    assert.ok(await CacheRevision.exists({ _id: 'just-changed' }));
  });
});

describe('providers per instance', () => {
  it('are built on first use and kept within the bound, idle ones dropped', async () => {
    const ids = [await create('P1', 'p1.test'), await create('P2', 'p2.test'), await create('P3', 'p3.test')];
    const registry = new TenantRegistry((instance) => createTenant(instance, server.services), server.url, {
      maxActive: 2,
      idleMs: 300,
    });
    assert.equal(registry.activeProviders, 0);
    for (const id of ids) assert.equal((await registry.byId(id))?.instance._id, id);
    assert.equal(registry.activeProviders, 2);
    assert.equal((await registry.forHost('p1.test:443'))?.instance._id, ids[0], 'rebuilt on its next request');
    await sleep(600);
    assert.equal(registry.activeProviders, 0);
    registry.close();
  });

  it('are all forgotten when the registry closes, as a stopped server does', async () => {
    const id = await create('P4', 'p4.test');
    const registry = new TenantRegistry((instance) => createTenant(instance, server.services), server.url, {
      maxActive: 2,
      idleMs: 60_000,
    });
    await registry.byId(id);
    assert.equal(registry.activeProviders, 1);
    registry.close();
    assert.equal(registry.activeProviders, 0);
  });
});
