import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sweepExpired, sweepUnlessSweptLately } from '../../src/store/database/sweeper.ts';
import { EmailOutbox } from '../../src/store/models/email-outbox.ts';
import { SystemEvent } from '../../src/store/models/system-event.ts';
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

it('removes outbox messages sent or given up longer ago than the retention, never a pending one', async () => {
  const day = 86_400_000;
  const now = Date.now();
  const message = (id: string, state: string, updatedAgoMs: number) => ({
    _id: id,
    instanceId: 'instance',
    template: 'verify-email',
    to: 'someone@example.com',
    subject: 'Subject',
    state,
    attempts: 1,
    nextAttemptAt: new Date(now - updatedAgoMs),
    createdAt: new Date(now - updatedAgoMs),
    updatedAt: new Date(now - updatedAgoMs),
  });
  // Straight to the collection: mongoose would set `updatedAt` to now.
  await EmailOutbox.collection.insertMany([
    message('sent-old', 'sent', 8 * day),
    message('failed-old', 'failed', 8 * day),
    message('pending-old', 'pending', 8 * day),
    message('sent-recent', 'sent', 6 * day),
  ] as never[]);
  const withoutRetention = await sweepExpired(new Date(now));
  assert.equal(
    await EmailOutbox.countDocuments({}),
    4,
    `without a retention the outbox is left alone (${withoutRetention})`,
  );
  assert.equal(await sweepExpired(new Date(now), { outboxSeconds: 7 * 86_400 }), 2);
  const left = await EmailOutbox.find({}, { _id: 1 }).sort({ _id: 1 }).lean();
  assert.deepEqual(
    left.map((document) => document._id),
    ['pending-old', 'sent-recent'],
  );
});

it('keeps the deployment’s audit log for its retention: older events go in small batches, newer ones stay', async () => {
  const day = 86_400_000;
  const now = Date.now();
  const event = (id: string, agoMs: number) => ({
    _id: id,
    instanceId: 'instance',
    actorId: 'system',
    type: 'instance.added',
    payload: {},
    createdAt: new Date(now - agoMs),
  });
  // More than one batch of old events, written straight to the collection with the dates they would have.
  const old = Array.from({ length: 250 }, (_, index) => event(`old-${String(index).padStart(3, '0')}`, 91 * day));
  await SystemEvent.collection.insertMany([...old, event('recent', 89 * day)] as never[]);
  assert.equal(await sweepExpired(new Date(now)), 0, 'without a retention the audit log is left alone');
  assert.equal(await SystemEvent.countDocuments({}), 251);
  assert.equal(await sweepExpired(new Date(now), { systemEventDays: 90 }), 250);
  assert.deepEqual(
    (await SystemEvent.find({}, { _id: 1 }).lean()).map((document) => document._id),
    ['recent'],
  );
});

it('sweeps once per half interval for all the processes of a deployment, whichever ticks first', async () => {
  const model = oidcPayloadModel('AccessToken');
  const tokens = model.db.collection<{ _id: string; payload: string; kind: string; expiresAt: Date }>(
    model.collection.name,
  );
  const expired = (id: string) => ({ _id: id, payload: '{}', kind: 'AccessToken', expiresAt: new Date(0) });
  await tokens.insertOne(expired('expired-1'));
  // Two processes whose timers fire together, with an interval of 4 s: one sweeps, the other finds the sweep taken.
  const outcomes = await Promise.all([sweepUnlessSweptLately(4, {}), sweepUnlessSweptLately(4, {})]);
  assert.deepEqual([...outcomes].sort(), [1, null]);
  await tokens.insertOne(expired('expired-2'));
  assert.equal(await sweepUnlessSweptLately(4, {}), null, 'no other sweep within half an interval');
  await new Promise((resolve) => setTimeout(resolve, 2_100));
  assert.equal(await sweepUnlessSweptLately(4, {}), 1, 'the next one sweeps again');
});
