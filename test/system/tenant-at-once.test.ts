// The instance of a request is found without waiting while everything it needs is known and unchanged
// (TenantRegistry.forHostAtOnce); any change (deactivation, a domain removed, new token lifetimes) sends the request
// to the async look-up, which sees it exactly as before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tenant, TenantRegistry } from '../../src/oidc/tenants.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newInstanceBody, newOperator, systemCall, systemJwt, systemUsersEnv } from './helpers.ts';

const operator = newOperator('operator');
let server: TestServer;
let token: string;
let registry: TenantRegistry;
let instanceId: string;

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false', CASTELLAN_SYSTEM_USERS: systemUsersEnv([{ operator }]) });
  token = await systemJwt(operator, { audience: server.config.publicUrl });
  const created = await systemCall(server.url, token, 'POST', '/instances', newInstanceBody('Now', ['now.test']));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  instanceId = created.body.id as string;
  await systemCall(server.url, token, 'POST', `/instances/${instanceId}/domains`, { domain: 'now2.test' });
  registry = server.services.tenants;
});
after(() => server.stop());

/** What the async look-up finds, after checking the synchronous one found nothing else. */
async function found(host: string): Promise<Tenant | null> {
  const atOnce = registry.forHostAtOnce(host);
  const looked = await registry.forHost(host);
  if (atOnce !== undefined) assert.equal(atOnce, looked, 'the synchronous path finds what the async one does');
  return looked;
}

describe('the instance found without waiting', () => {
  it('is found at once once its host, record and provider are known, and is the same tenant', async () => {
    registry.invalidate(instanceId);
    assert.equal(registry.forHostAtOnce('now.test'), undefined, 'nothing known yet');
    const tenant = await registry.forHost('now.test:443');
    assert.equal(tenant?.instance._id, instanceId);
    assert.equal(registry.forHostAtOnce('now.test:443'), tenant);
    assert.equal(registry.forHostAtOnce('NOW.test'), tenant, 'host names compare as the async path does');
    assert.equal(registry.forHostAtOnce('unknown.test'), undefined);
  });

  it('is not found at once after a change of the instance: the async path sees the deactivation', async () => {
    await found('now.test');
    const deactivated = await systemCall(server.url, token, 'POST', `/instances/${instanceId}/deactivate`);
    assert.equal(deactivated.status, 200);
    assert.equal(registry.forHostAtOnce('now.test'), undefined, 'the record changed');
    assert.equal((await found('now.test'))?.instance.state, 'inactive');
    assert.equal(
      registry.forHostAtOnce('now.test')?.instance.state,
      'inactive',
      'the inactive state, as the async one',
    );
    assert.equal((await systemCall(server.url, token, 'POST', `/instances/${instanceId}/reactivate`)).status, 200);
    assert.equal((await found('now.test'))?.instance.state, 'active');
  });

  it('is not found at once for a removed domain: the async path finds nothing', async () => {
    assert.equal((await found('now2.test'))?.instance._id, instanceId);
    const removed = await systemCall(server.url, token, 'DELETE', `/instances/${instanceId}/domains/now2.test`);
    assert.equal(removed.status, 204);
    assert.equal(await found('now2.test'), null);
    assert.equal(registry.forHostAtOnce('now2.test'), undefined);
    assert.equal((await found('now.test'))?.instance._id, instanceId, 'its other domain still serves');
  });

  it('is not found at once after new token lifetimes: the async path builds a new provider', async () => {
    const before = (await found('now.test'))!;
    const changed = await systemCall(server.url, token, 'PATCH', `/instances/${instanceId}/settings`, {
      tokenLifetimes: { accessTokenSeconds: 901 },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(registry.forHostAtOnce('now.test'), undefined);
    const rebuilt = (await found('now.test'))!;
    assert.notEqual(rebuilt.provider, before.provider);
    assert.equal(registry.forHostAtOnce('now.test'), rebuilt);
  });
});
