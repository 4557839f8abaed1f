import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { Event, User } from '../../src/store/models/index.ts';
import { loginWithPassword, pageText, startLogin, submitLoginName, submitPassword } from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

const REDIRECT_URI = 'https://rp.test/callback';
const OLD_PASSWORD = 'Initial-Passw0rd!';
const NEW_PASSWORD = 'Brand-New-Passw0rd?';

let server: TestServer;
let admin: string;
let orgId: string;
let userId: string;
let loginName: string;
let app: { clientId: string; clientSecret: string };

before(async () => {
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
  orgId = (await call(server, admin, 'POST', '/orgs', { name: 'Password Org' })).body.id as string;
  // The org's own complexity is stricter than the instance default: it must be the one applied.
  assert.equal(
    (
      await call(server, admin, 'PUT', `/orgs/${orgId}/login-policy`, {
        passwordComplexity: { minLength: 14, requireSymbol: true },
      })
    ).status,
    200,
  );
  const user = await call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
    username: 'pat',
    email: 'pat@example.com',
    givenName: 'Pat',
    familyName: 'P',
    password: OLD_PASSWORD + 'x',
  });
  assert.equal(user.status, 201, JSON.stringify(user.body));
  userId = user.body.id as string;
  loginName = user.body.loginName as string;
  assert.equal((await call(server, admin, 'PUT', `/users/${userId}/password`, { password: OLD_PASSWORD })).status, 204);
  const projectId = (await call(server, admin, 'POST', `/orgs/${orgId}/projects`, { name: 'Portal' })).body
    .id as string;
  const created = await call(server, admin, 'POST', `/projects/${projectId}/apps`, {
    type: 'oidc',
    name: 'Web',
    redirectUris: [REDIRECT_URI],
  });
  app = { clientId: created.body.clientId as string, clientSecret: created.body.clientSecret as string };
});
after(() => server.stop());

function passwordLogin(password: string) {
  return loginWithPassword({
    baseUrl: server.config.publicUrl,
    ...app,
    redirectUri: REDIRECT_URI,
    scope: 'openid',
    loginName,
    password,
  });
}

it("refuses a password that breaks the org's effective complexity, naming the field, and leaves the old one in place", async () => {
  for (const password of ['Sh0rt!', '13-chars-long', 'NoSymbolsButLong1234', '']) {
    const response = await call(server, admin, 'PUT', `/users/${userId}/password`, { password });
    assert.equal(response.status, 400, `${password}: ${JSON.stringify(response.body)}`);
    assert.deepEqual(
      (response.body.errors as Array<{ field: string }>).map((error) => error.field),
      ['password'],
    );
  }
  for (const body of [{}, { password: { $gt: '' } }, { password: NEW_PASSWORD, extra: 1 }]) {
    assert.equal(
      (await call(server, admin, 'PUT', `/users/${userId}/password`, body)).status,
      400,
      JSON.stringify(body),
    );
  }
  assert.equal((await passwordLogin(OLD_PASSWORD)).claims()?.sub, userId);
});

it('a changed password logs in through the login forms, the old one no longer does, and the event carries no password', async () => {
  const before = await User.findById(userId).lean();
  assert.equal((await call(server, admin, 'PUT', `/users/${userId}/password`, { password: NEW_PASSWORD })).status, 204);

  assert.equal((await passwordLogin(NEW_PASSWORD)).claims()?.sub, userId);
  const old = await submitPassword(
    await submitLoginName(
      await startLogin({ baseUrl: server.config.publicUrl, ...app, redirectUri: REDIRECT_URI, scope: 'openid' }),
      loginName,
    ),
    OLD_PASSWORD,
  );
  assert.equal(old.callbackUrl, null, 'the old password issues no code');
  assert.match(pageText(old.page!.html), new RegExp(LOGIN_MESSAGES.passwordInvalid));

  const after = await User.findById(userId).lean();
  assert.notEqual(after!.human!.passwordHash, before!.human!.passwordHash);
  const events = await Event.find({
    instanceId: server.bootstrap.instanceId,
    resourceId: userId,
    type: 'user.password.changed',
  }).lean();
  assert.equal(events.length, 2, 'one event for each accepted change (the setup and this one)');
  for (const event of events) {
    const stored = JSON.stringify(event);
    for (const secret of [NEW_PASSWORD, OLD_PASSWORD, after!.human!.passwordHash!, before!.human!.passwordHash!])
      assert.ok(!stored.includes(secret), 'no password or hash in the event');
  }
  assert.equal(events.at(-1)!.orgId, orgId);
});

it('machine users have no password (409); an unknown user is 404', async () => {
  const machine = (await call(server, admin, 'POST', `/orgs/${orgId}/users/machine`, { username: 'bot', name: 'Bot' }))
    .body.id as string;
  assert.equal(
    (await call(server, admin, 'PUT', `/users/${machine}/password`, { password: NEW_PASSWORD })).status,
    409,
  );
  assert.equal((await call(server, admin, 'PUT', '/users/999999/password', { password: NEW_PASSWORD })).status, 404);
});
