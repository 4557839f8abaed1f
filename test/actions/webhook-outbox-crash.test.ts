// The change-webhook outbox across a crash: the event and what its deliveries need are one write, so a process killed
// (SIGKILL) after recording an event and before delivering it, or midway through writing its deliveries, loses
// nothing: the next process writes the missing deliveries under the same ids and each subscription gets the event once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import mongoose from 'mongoose';
import {
  createOrg,
  startCastellanProcess,
  timedFetch,
  tokenRequest,
  waitUntilReady,
  type CastellanProcess,
} from '../helpers/castellan-process.ts';
import { freshDatabaseUri } from '../helpers/database.ts';
import { startReceiver } from './helpers.ts';

const started: CastellanProcess[] = [];
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-outbox-crash-'));
after(() => {
  for (const process of started) process.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(uri: string, pollMs: string): Promise<CastellanProcess> {
  const server = await startCastellanProcess(dataDir, {
    MONGODB_URI: uri,
    OUTBOUND_PRIVATE_ADDRESSES: 'true', // the receiver listens on loopback
    WEBHOOKS_POLL_MS: pollMs,
  });
  started.push(server);
  await waitUntilReady(server);
  return server;
}

async function api(url: string, token: string, method: string, route: string, body?: unknown) {
  return timedFetch<Record<string, unknown>>(`${url}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('the change-webhook outbox across a crash', () => {
  it('a process killed between the event and its deliveries loses no delivery, and repeats none', async () => {
    const uri = freshDatabaseUri();
    const receiver = await startReceiver();
    const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    try {
      // An outbox that never runs: the process records events, and is killed before it delivers any.
      const first = await start(uri, '600000');
      const token = (await tokenRequest(first.url)).body.access_token!;
      const org = (await createOrg(first.url, token, 'Crashing')).body.id!;
      const subscriptionIds: string[] = [];
      for (let index = 0; index < 2; index++) {
        const created = await api(first.url, token, 'POST', `/orgs/${org}/webhooks`, {
          url: receiver.url,
          eventTypes: ['project.added'],
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        subscriptionIds.push(created.body.id as string);
      }
      const project = await api(first.url, token, 'POST', `/orgs/${org}/projects`, { name: 'Recorded' });
      assert.equal(project.status, 201, JSON.stringify(project.body));
      first.child.kill('SIGKILL');
      await first.exited;

      // What the dead process left: the event, marked for fan-out; and, as if it had died midway through the fan-out,
      // the first subscription's delivery already written (as the fan-out writes it).
      const events = connection.collection<{ _id: string; type: string; instanceId: string; webhookFanOut?: string }>(
        'events',
      );
      const event = await events.findOne({ type: 'project.added', orgId: org });
      assert.ok(event, 'the event was recorded');
      assert.equal(event.webhookFanOut, 'pending');
      const deliveries = connection.collection<{ _id: string; [field: string]: unknown }>('webhook_deliveries');
      assert.equal(await deliveries.countDocuments({ eventId: event._id }), 0);
      await deliveries.insertOne({
        _id: `${event._id}:${subscriptionIds[0]}`,
        instanceId: event.instanceId,
        subscriptionId: subscriptionIds[0],
        eventId: event._id,
        eventType: event.type,
        resourceId: project.body.id,
        event: { id: event._id, type: event.type, orgId: org, resourceId: project.body.id, payload: {}, createdAt: '' },
        state: 'pending',
        attempts: 0,
        nextAttemptAt: new Date(),
        lastError: null,
        deliveredAt: null,
      });

      await start(uri, '50');
      const deadline = Date.now() + 30_000;
      while (receiver.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a repeated delivery would arrive by now
      const received = receiver.received.map((entry) => JSON.parse(entry.body) as Record<string, string>);
      assert.deepEqual(
        received.map((delivery) => delivery.deliveryId).sort(),
        subscriptionIds.map((subscriptionId) => `${event._id}:${subscriptionId}`).sort(),
        'each subscription gets the event once, under the id the fan-out gives it',
      );
      assert.equal((await events.findOne({ _id: event._id }))?.webhookFanOut, undefined, 'fanned out');
    } finally {
      await connection.dropDatabase();
      await connection.close();
      await receiver.close();
    }
  });

  it("a webhook action target's retries survive a restart", async () => {
    // The target is down while the first process tries it, and that process is killed; the next one delivers.
    const closed = await startReceiver();
    const port = Number(new URL(closed.url).port);
    await closed.close();
    const uri = freshDatabaseUri();
    const first = await start(uri, '50');
    const token = (await tokenRequest(first.url)).body.access_token!;
    const org = (await createOrg(first.url, token, 'Notified')).body.id!;
    const action = await api(first.url, token, 'POST', `/orgs/${org}/actions`, {
      name: 'notify',
      type: 'webhook',
      endpoint: closed.url,
    });
    assert.equal(action.status, 201, JSON.stringify(action.body));
    const flow = `/orgs/${org}/flows/internal-authentication/triggers/post-creation`;
    assert.equal((await api(first.url, token, 'PUT', flow, { actionIds: [action.body.id] })).status, 204);
    const user = await api(first.url, token, 'POST', `/orgs/${org}/users/human`, {
      username: 'notified',
      email: 'notified@example.com',
      givenName: 'No',
      familyName: 'Tified',
      emailVerified: true,
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
    try {
      const deliveries = connection.collection<{ _id: string; attempts: number; state: string }>('webhook_deliveries');
      const failedOnce = async () =>
        deliveries.findOne({ kind: 'action-target', subscriptionId: action.body.id, attempts: { $gte: 1 } });
      const deadline = Date.now() + 30_000;
      while (!(await failedOnce()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal((await failedOnce())?.state, 'pending', 'tried, failed, waiting for its retry');
      first.child.kill('SIGKILL');
      await first.exited;

      const target = await startReceiver(undefined, port);
      try {
        await start(uri, '50');
        const until = Date.now() + 30_000;
        while (target.received.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
        assert.equal(target.received.length, 1);
        const body = JSON.parse(target.received[0]!.body) as { trigger: string; user: { id: string } };
        assert.equal(body.trigger, 'post-creation');
        assert.equal(body.user.id, user.body.userId ?? user.body.id);
      } finally {
        await target.close();
      }
    } finally {
      await connection.dropDatabase();
      await connection.close();
    }
  });
});
