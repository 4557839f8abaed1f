// The deployment's own audit log (GET /system/v1/events): what happened to instances as wholes — created, renamed,
// deactivated, reactivated, domains changed, settings changed by an operator, removal asked and finished — with the
// operator who did it. It outlives the instance, whose own events are deleted with it; it is read in pages.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Event } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newInstanceBody, newOperator, systemCall, systemJwt, systemUsersEnv } from './helpers.ts';

const owner = newOperator('events-owner');
const viewer = newOperator('events-viewer');

let server: TestServer;
let ownerToken: string;
let viewerToken: string;

before(async () => {
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    CASTELLAN_SYSTEM_USERS: systemUsersEnv([{ operator: owner }, { operator: viewer, roles: ['SYSTEM_OWNER_VIEWER'] }]),
  });
  ownerToken = await systemJwt(owner, { audience: server.config.publicUrl });
  viewerToken = await systemJwt(viewer, { audience: server.config.publicUrl });
});
after(() => server.stop());

interface SystemEventView {
  id: string;
  instanceId: string;
  actor: string;
  type: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

async function eventsOf(instanceId: string): Promise<SystemEventView[]> {
  const answer = await systemCall(server.url, viewerToken, 'GET', `/events?instanceId=${instanceId}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.events as SystemEventView[];
}

async function ownerCall(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const answer = await systemCall(server.url, ownerToken, method, path, body);
  assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

describe('the system audit log', () => {
  it('records an instance’s whole life, newest first, and keeps it after the instance is removed', async () => {
    const id = (await ownerCall('POST', '/instances', newInstanceBody('Logged', ['logged.test']))).id as string;
    await ownerCall('PATCH', `/instances/${id}`, { name: 'Logged Renamed' });
    await ownerCall('POST', `/instances/${id}/deactivate`);
    await ownerCall('POST', `/instances/${id}/reactivate`);
    await ownerCall('POST', `/instances/${id}/domains`, { domain: 'logged2.test' });
    await ownerCall('POST', `/instances/${id}/primary-domain`, { domain: 'logged2.test' });
    await ownerCall('DELETE', `/instances/${id}/domains/logged.test`);
    await ownerCall('PATCH', `/instances/${id}/settings`, { features: { orgSignUp: true } });
    await ownerCall('DELETE', `/instances/${id}`);
    const deadline = Date.now() + 30_000;
    while ((await systemCall(server.url, viewerToken, 'GET', `/instances/${id}`)).status !== 404) {
      assert.ok(Date.now() < deadline, 'the removal did not finish');
      await sleep(100);
    }
    assert.equal(await Event.countDocuments({ instanceId: id }), 0, 'the instance’s own events went with it');

    const events = await eventsOf(id);
    assert.deepEqual(
      events.map((event) => event.type),
      [
        'instance.removed',
        'instance.removal.requested',
        'instance.settings.changed',
        'instance.domain.removed',
        'instance.primary_domain.set',
        'instance.domain.added',
        'instance.reactivated',
        'instance.deactivated',
        'instance.renamed',
        'instance.added',
      ],
    );
    const byType = Object.fromEntries(events.map((event) => [event.type, event]));
    assert.equal(byType['instance.added']!.actor, 'system:events-owner');
    assert.equal(byType['instance.added']!.payload.name, 'Logged');
    assert.deepEqual(byType['instance.domain.added']!.payload, { domain: 'logged2.test' });
    assert.deepEqual(byType['instance.settings.changed']!.payload, { groups: ['features'] });
    assert.equal(byType['instance.removal.requested']!.actor, 'system:events-owner');
    assert.equal(byType['instance.removed']!.actor, 'system');
    assert.ok((byType['instance.removed']!.payload.deletedDocuments as number) > 5);
  });

  it('pages with a cursor, and lists every instance’s events without a filter', async () => {
    const first = (await ownerCall('POST', '/instances', newInstanceBody('Paged', ['paged.test']))).id as string;
    for (const name of ['One', 'Two', 'Three']) await ownerCall('PATCH', `/instances/${first}`, { name });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/events?instanceId=${first}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await systemCall(server.url, viewerToken, 'GET', query);
      assert.equal(page.status, 200);
      const events = page.body.events as SystemEventView[];
      assert.ok(events.length <= 2);
      seen.push(...events.map((event) => event.type));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    assert.deepEqual(seen, ['instance.renamed', 'instance.renamed', 'instance.renamed', 'instance.added']);
    const all = await systemCall(server.url, viewerToken, 'GET', '/events?limit=500');
    const instances = new Set((all.body.events as SystemEventView[]).map((event) => event.instanceId));
    assert.ok(instances.has(first) && instances.size >= 2);
    const bad = await systemCall(server.url, viewerToken, 'GET', '/events?cursor=nonsense');
    assert.equal(bad.status, 400);
  });

  it('is the operators’ only: 401 without a system JWT', async () => {
    assert.equal((await systemCall(server.url, null, 'GET', '/events')).status, 401);
  });
});
