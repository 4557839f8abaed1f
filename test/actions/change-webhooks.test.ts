// Change webhooks: a receiver on loopback gets every subscribed audit event once per delivery id, in order per
// resource, also after it was down for a while; every request is signed, and a wrong signature is detectable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signatureValid, SIGNATURE_HEADER } from '../../src/platform/request-signature.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startReceiver, type Received } from './helpers.ts';

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    // The receiver listens on loopback.
    OUTBOUND_PRIVATE_ADDRESSES: 'true',
    WEBHOOKS_POLL_MS: '50',
    WEBHOOKS_RETRY_BASE_MS: '100',
  });
  admin = await bootstrapToken(server);
});
after(() => server.stop());

interface Delivery {
  deliveryId: string;
  event: { id: string; type: string; resourceId: string; orgId: string; createdAt: string; payload: { key?: string } };
}

const parse = (received: Received[]) => received.map((entry) => JSON.parse(entry.body) as Delivery);

async function until<T>(what: string, probe: () => Promise<T | null> | T | null, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function post(path: string, body: unknown): Promise<string> {
  const response = await call(server, admin, 'POST', path, body);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return (response.body.id ?? response.body.userId) as string;
}

async function setMetadata(userId: string, key: string) {
  assert.equal((await call(server, admin, 'PUT', `/users/${userId}/metadata/${key}`, { value: key })).status, 204);
}

describe('change webhooks', () => {
  it('delivers every subscribed event, signed, once per delivery id, in order per resource, across an outage', async () => {
    const org = await post('/orgs', { name: 'Hooked' });
    const otherOrg = await post('/orgs', { name: 'Elsewhere' });
    let receiver = await startReceiver();
    const port = Number(new URL(receiver.url).port);
    const subscription = await call(server, admin, 'POST', `/orgs/${org}/webhooks`, {
      url: receiver.url,
      eventTypes: ['user.human.added', 'user.metadata.*'],
    });
    assert.equal(subscription.status, 201, JSON.stringify(subscription.body));
    const { id: webhookId, signingKey } = subscription.body as { id: string; signingKey: string };
    const received: Received[] = [];

    const human = (username: string) => ({
      username,
      email: `${username}@example.com`,
      givenName: 'Hook',
      familyName: 'Test',
      emailVerified: true,
    });
    const users = [];
    for (const name of ['ann', 'ben', 'cid']) users.push(await post(`/orgs/${org}/users/human`, human(name)));
    for (const key of ['k1', 'k2', 'k3']) for (const user of users) await setMetadata(user, key);
    // Neither another org's events nor unsubscribed types are delivered.
    await post(`/orgs/${otherOrg}/users/human`, human('outsider'));
    await post(`/orgs/${org}/projects`, { name: 'Not subscribed' });
    const expectedBeforeOutage = 3 + 9;
    await until('the first deliveries', () =>
      new Set(parse(receiver.received).map((d) => d.deliveryId)).size >= expectedBeforeOutage ? true : null,
    );
    received.push(...receiver.received);

    // The receiver goes down; changes go on; deliveries fail and are retried with backoff.
    await receiver.close();
    for (const key of ['k4', 'k5']) for (const user of users) await setMetadata(user, key);
    users.push(await post(`/orgs/${org}/users/human`, human('dan')));
    const failing = await until('failed attempts', async () => {
      const list = await call(server, admin, 'GET', `/orgs/${org}/webhooks/${webhookId}/deliveries?state=pending`);
      const deliveries = list.body.deliveries as Array<{ attempts: number; lastError: string | null }>;
      return deliveries.some((delivery) => delivery.attempts >= 2) ? deliveries : null;
    });
    assert.ok(failing.every((delivery) => delivery.attempts === 0 || delivery.lastError));
    receiver = await startReceiver(undefined, port);
    const expected = expectedBeforeOutage + 6 + 1;
    await until('the deliveries after the outage', () =>
      new Set(parse([...received, ...receiver.received]).map((d) => d.deliveryId)).size >= expected ? true : null,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    received.push(...receiver.received);
    await receiver.close();

    for (const entry of received) {
      assert.ok(signatureValid(signingKey, entry.body, String(entry.headers[SIGNATURE_HEADER])), 'signed');
      assert.equal(signatureValid(`${signingKey}x`, entry.body, String(entry.headers[SIGNATURE_HEADER])), false);
      assert.equal(signatureValid(signingKey, `${entry.body} `, String(entry.headers[SIGNATURE_HEADER])), false);
    }
    const byDeliveryId = new Map(parse(received).map((delivery) => [delivery.deliveryId, delivery]));
    assert.equal(byDeliveryId.size, expected, 'every subscribed event, each under one delivery id');
    const events = [...byDeliveryId.values()].map((delivery) => delivery.event);
    assert.equal(new Set(events.map((event) => event.id)).size, expected, 'one delivery per event');
    assert.ok(events.every((event) => event.orgId === org && /^user\.(human\.added|metadata\.set)$/.test(event.type)));
    // In order per resource, as first received (a repeated delivery may come again later, never earlier).
    const firstSeen = [...new Set(parse(received).map((delivery) => delivery.deliveryId))].map(
      (id) => byDeliveryId.get(id)!.event,
    );
    for (const user of users) {
      const sequence = firstSeen.filter((event) => event.resourceId === user).map((e) => e.payload.key ?? e.type);
      const all: string[] =
        user === users[3] ? ['user.human.added'] : ['user.human.added', 'k1', 'k2', 'k3', 'k4', 'k5'];
      assert.deepEqual(sequence, all, `the changes of ${user} in order`);
    }

    const status = await call(server, admin, 'GET', `/orgs/${org}/webhooks/${webhookId}/deliveries?limit=500`);
    const deliveries = status.body.deliveries as Array<{ state: string; attempts: number }>;
    assert.equal(deliveries.length, expected);
    assert.ok(deliveries.every((delivery) => delivery.state === 'delivered' && delivery.attempts >= 1));
    assert.ok(
      deliveries.some((delivery) => delivery.attempts > 1),
      'some were retried after the outage',
    );
  });
});
