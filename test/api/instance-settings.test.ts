import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { createMachineUser } from '../../src/domain/commands/users.ts';
import { addMember } from '../../src/domain/commands/memberships.ts';
import { createPersonalAccessToken } from '../../src/domain/commands/personal-access-tokens.ts';
import { Instance } from '../../src/store/models/index.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// The instance's settings (domain/rules/instance-settings.ts): read and changed by instance managers, a partial change
// keeps the other fields, an unknown field is refused (a setting that would be silently ignored), org managers see 404.

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
});
after(() => server.stop());

const defaults = {
  oidc: { requirePkceForAllClients: false, strictClientAssertions: false },
  features: { tokenExchange: false, orgSignUp: false },
  security: { enableImpersonation: false },
  strictReservedScopes: {
    orgId: true,
    orgDomainPrimary: true,
    projectAudience: false,
    roleOrgId: false,
    idpId: true,
    projectRole: false,
  },
};

test('an instance starts with the defaults; a partial change keeps the other fields and is an event', async () => {
  assert.deepEqual((await call(server, admin, 'GET', '/instance/settings')).body, defaults);
  const changed = await call(server, admin, 'PATCH', '/instance/settings', { features: { tokenExchange: true } });
  assert.equal(changed.status, 200);
  assert.deepEqual(changed.body, { ...defaults, features: { tokenExchange: true, orgSignUp: false } });
  const again = await call(server, admin, 'PATCH', '/instance/settings', { oidc: { strictClientAssertions: true } });
  assert.deepEqual(again.body, {
    ...defaults,
    oidc: { requirePkceForAllClients: false, strictClientAssertions: true },
    features: { tokenExchange: true, orgSignUp: false },
  });
  const stored = await Instance.findById(server.bootstrap.instanceId).lean();
  assert.deepEqual(stored?.settings, { oidc: { strictClientAssertions: true }, features: { tokenExchange: true } });
  const events = await call(server, admin, 'GET', `/events?resourceId=${server.bootstrap.instanceId}`);
  const changes = (events.body.events as Array<{ type: string }>).filter((e) => e.type === 'instance.settings.changed');
  assert.equal(changes.length, 2);
  await call(server, admin, 'PATCH', '/instance/settings', {
    oidc: { strictClientAssertions: false },
    features: { tokenExchange: false },
  });
});

test('a field the product does not know, or a value of the wrong type, is refused with 400 and changes nothing', async () => {
  for (const body of [{ oidc: { pkce: true } }, { unknown: {} }, { features: { tokenExchange: 'yes' } }]) {
    const refused = await call(server, admin, 'PATCH', '/instance/settings', body);
    assert.equal(refused.status, 400, JSON.stringify(body));
  }
  assert.deepEqual((await call(server, admin, 'GET', '/instance/settings')).body, defaults);
});

test('which reserved scopes are strict: a change is an event, an unknown scope kind is refused naming the field', async () => {
  const change = { strictReservedScopes: { orgId: false, projectAudience: true } };
  const changed = await call(server, admin, 'PATCH', '/instance/settings', change);
  assert.deepEqual(changed.body.strictReservedScopes, {
    ...defaults.strictReservedScopes,
    ...change.strictReservedScopes,
  });
  const events = await call(server, admin, 'GET', `/events?resourceId=${server.bootstrap.instanceId}`);
  const recorded = (events.body.events as Array<{ type: string; payload: unknown }>).filter(
    (e) => e.type === 'instance.settings.changed',
  );
  assert.ok(recorded.some((e) => isDeepStrictEqual(e.payload, { settings: change })));
  const refused = await call(server, admin, 'PATCH', '/instance/settings', { strictReservedScopes: { roleId: true } });
  assert.equal(refused.status, 400);
  assert.match(JSON.stringify(refused.body), /strictReservedScopes/);
  assert.match(JSON.stringify(refused.body), /roleId/);
  await call(server, admin, 'PATCH', '/instance/settings', {
    strictReservedScopes: { orgId: true, projectAudience: false },
  });
  assert.deepEqual((await call(server, admin, 'GET', '/instance/settings')).body, defaults);
});

test('an org owner can neither read nor change the instance settings', async () => {
  const { instanceId } = server.bootstrap;
  const defaultOrgId = (await Instance.findById(instanceId).lean())!.defaultOrgId;
  const actor = { instanceId, actorId: 'instance-settings-test' };
  const user = await createMachineUser(actor, defaultOrgId, { username: 'settings-org-owner', name: 'Org owner' });
  await addMember(actor, { level: 'org', resourceId: defaultOrgId, orgId: defaultOrgId, projectId: null }, user._id, [
    'ORG_OWNER',
  ]);
  const expiry = new Date(Date.now() + 3600_000);
  const { token } = await createPersonalAccessToken(
    actor,
    user,
    expiry,
    clientSecretHashKey(server.services.masterKey),
  );
  assert.equal((await call(server, token, 'GET', '/instance/settings')).status, 404);
  const refused = await call(server, token, 'PATCH', '/instance/settings', { features: { tokenExchange: true } });
  assert.equal(refused.status, 404);
});
