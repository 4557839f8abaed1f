// Client.find on an instance's provider (src/oidc/library-overrides.ts `clientsByMetadataObject`): the Client built
// for the cached metadata is given again while the application is unchanged, and a change is seen at once.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { DEMO_CLIENT_ID } from '../../src/domain/setup/demo.ts';
import { Application } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

it('gives the same Client while the application is unchanged, a new one with the new metadata after a change', async () => {
  const { instanceId } = server.bootstrap;
  const { provider } = (await server.services.tenants.byId(instanceId))!;
  const first = await provider.Client.find(DEMO_CLIENT_ID);
  assert.ok(first);
  assert.equal(await provider.Client.find(DEMO_CLIENT_ID), first);
  const added = 'https://rp.test/another-callback';
  await Application.updateOne({ instanceId, clientId: DEMO_CLIENT_ID }, { $push: { 'oidc.redirectUris': added } });
  const changed = await provider.Client.find(DEMO_CLIENT_ID);
  assert.notEqual(changed, first);
  assert.ok(changed?.redirectUris?.includes(added));
  await Application.updateOne({ instanceId, clientId: DEMO_CLIENT_ID }, { $set: { state: 'inactive' } });
  assert.equal(await provider.Client.find(DEMO_CLIENT_ID), undefined);
});
