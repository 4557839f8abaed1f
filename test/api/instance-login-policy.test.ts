import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Event } from '../../src/store/models/index.ts';
import { defaultLoginPolicy } from '../../src/domain/rules/login-policy.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// The instance's own login policy (issue 15: "instance default, org override ... config/ and the API"): read and
// replaced by instance managers, with the org route's schema and refusals; the login honours a change at once.

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
});
after(() => server.stop());

test('the instance policy is read and replaced as a whole, recorded as an event, and orgs inherit it', async () => {
  const initial = await call(server, admin, 'GET', '/instance/login-policy');
  assert.equal(initial.status, 200);
  assert.deepEqual(initial.body, { override: {}, effective: defaultLoginPolicy });

  const policy = { forceMfa: true, lockout: { maxPasswordAttempts: 5 }, secondFactors: ['totp'] };
  const set = await call(server, admin, 'PUT', '/instance/login-policy', policy);
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body.override, policy);
  const effective = set.body.effective as typeof defaultLoginPolicy;
  assert.equal(effective.forceMfa, true);
  assert.deepEqual(effective.lockout, { maxPasswordAttempts: 5, maxOtpAttempts: 0 });
  assert.deepEqual(effective.secondFactors, ['totp']);
  assert.deepEqual((await call(server, admin, 'GET', '/instance/login-policy')).body, set.body);

  const event = await Event.findOne({ instanceId: server.bootstrap.instanceId, type: 'instance.login_policy.set' })
    .sort({ _id: -1 })
    .lean();
  assert.deepEqual((event?.payload as { policy: unknown }).policy, policy);

  // An org without an override of its own sees the instance's values as effective.
  const org = await call(server, admin, 'POST', '/orgs', { name: 'Inherits' });
  const orgPolicy = await call(server, admin, 'GET', `/orgs/${org.body.id as string}/login-policy`);
  assert.equal((orgPolicy.body.effective as { forceMfa: boolean }).forceMfa, true);

  // Replacing, not merging: what the new policy leaves out is the built-in default again.
  const replaced = await call(server, admin, 'PUT', '/instance/login-policy', { ignoreUnknownUsernames: true });
  assert.deepEqual(replaced.body.override, { ignoreUnknownUsernames: true });
  assert.equal((replaced.body.effective as { forceMfa: boolean }).forceMfa, false);
  await call(server, admin, 'PUT', '/instance/login-policy', {});
});

test('values the login cannot honour are refused naming the field, like on the org route', async () => {
  const refused = await call(server, admin, 'PUT', '/instance/login-policy', {
    allowExternalIdp: true,
    secondFactors: ['totp', 'otp_sms'],
  });
  assert.equal(refused.status, 400);
  const fields = (refused.body.errors as Array<{ field: string }>).map((error) => error.field);
  assert.deepEqual(fields.sort(), ['secondFactors']);
  const unknownIdp = await call(server, admin, 'PUT', '/instance/login-policy', { idps: ['no-such-idp'] });
  assert.equal(unknownIdp.status, 400);
  assert.equal((unknownIdp.body.errors as Array<{ field: string }>)[0]?.field, 'idps');
  const unknown = await call(server, admin, 'PUT', '/instance/login-policy', { forceMFA: true });
  assert.equal(unknown.status, 400);
  assert.deepEqual((await call(server, admin, 'GET', '/instance/login-policy')).body.override, {});
});

test('the login pages show a change at once (the cached instance policy is dropped)', async () => {
  const page = async () => (await fetch(`${server.url}/ui/login/no-such-interaction`)).text();
  assert.doesNotMatch(await page(), /Castle of Policies/);
  const branding = { branding: { displayName: 'Castle of Policies' } };
  assert.equal((await call(server, admin, 'PUT', '/instance/login-policy', branding)).status, 200);
  assert.match(await page(), /Castle of Policies/);
  await call(server, admin, 'PUT', '/instance/login-policy', {});
  assert.doesNotMatch(await page(), /Castle of Policies/);
});
