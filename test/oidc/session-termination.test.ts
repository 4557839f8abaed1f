// A manager ends a user's sessions (DELETE /api/v1/users/{userId}/sessions), or deactivates or deletes the user:
// every session of the user in the instance ends, the tokens of its grants are revoked (offline ones too), and
// each app of the session with a back-channel logout URI gets a logout token (a real receiver on loopback).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { Event } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { CookieJar, startLogin } from '../helpers/login.ts';
import {
  appConfig,
  createOidcApp,
  introspect,
  login,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';
import { startLogoutReceiver, verifyLogoutToken, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';

let fixture: OidcFixture;
let receiver: LogoutReceiver;
let admin: string;
let notified: TestApp;
let silent: TestApp;
let unreachable: TestApp;

before(async () => {
  fixture = await startOidcFixture({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  receiver = await startLogoutReceiver();
  admin = await bootstrapToken(fixture.server);
  const app = (clientId: string, backChannelLogoutUri: string | null) =>
    createOidcApp(fixture, fixture.demoProjectId, clientId, {
      devMode: true,
      backChannelLogoutUri,
      backChannelLogoutSessionRequired: true,
    });
  notified = await app('ended-rp', `${receiver.origin}/ended`);
  silent = await app('quiet-rp', null);
  unreachable = await app('down-rp', `http://127.0.0.1:${await freeLoopbackPort()}/logout`);
});
after(async () => {
  await receiver.close();
  await fixture.server.stop();
});
beforeEach(() => receiver.deliveries.splice(0));

/** A browser of `loginName` signed in to the apps (offline access, so a refresh token outlives a plain logout). */
async function browserSignedIn(loginName: string, apps: TestApp[]) {
  const jar = new CookieJar();
  const tokens = [];
  for (const app of apps) tokens.push(await login(fixture, app, loginName, 'openid offline_access', jar));
  return { jar, tokens };
}

/** Whether the browser's session still signs it in to the app without a login page. */
async function stillSignedIn(jar: CookieJar, app: TestApp): Promise<boolean> {
  const flow = await startLogin({ baseUrl: fixture.baseUrl, ...app, scope: 'openid', jar });
  return flow.callbackUrl !== null;
}

async function refreshFails(app: TestApp, refreshToken: string): Promise<boolean> {
  try {
    await client.refreshTokenGrant(await appConfig(fixture, app), refreshToken);
    return false;
  } catch (error) {
    assert.ok(error instanceof client.ResponseBodyError, String(error));
    assert.equal(error.error, 'invalid_grant');
    return true;
  }
}

/** The subjects and sids of the logout tokens the app received, each verified against the JWKS. */
async function logoutTokensOf(app: TestApp): Promise<Array<{ sub?: string; sid?: unknown }>> {
  const received = receiver.deliveries.filter((delivery) => delivery.path === '/ended');
  return Promise.all(
    received.map(async (delivery) => {
      const { sub, sid } = await verifyLogoutToken(fixture.baseUrl, delivery.logoutToken!, app.clientId);
      return { sub, sid };
    }),
  );
}

/** A new org with one human user of `username` (the demo password), for the org-wide cases below. */
async function orgWithUser(orgName: string, username: string): Promise<{ orgId: string; userId: string }> {
  const org = await call(fixture.server, admin, 'POST', '/orgs', { name: orgName });
  assert.equal(org.status, 201, JSON.stringify(org.body));
  const created = await call(fixture.server, admin, 'POST', `/orgs/${org.body.id as string}/users/human`, {
    username,
    email: `${username}@example.com`,
    givenName: 'Org',
    familyName: 'Member',
    password: DEMO_PASSWORD,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { orgId: org.body.id as string, userId: created.body.id as string };
}

describe('a manager ends a user’s sessions', () => {
  it('DELETE /users/{userId}/sessions: every session ends, its tokens are revoked and the apps are told', async () => {
    const laptop = await browserSignedIn('beta-owner', [notified, silent, unreachable]);
    const phone = await browserSignedIn('beta-owner', [notified]);
    const bystander = await browserSignedIn('bob', [notified]);
    const userId = await userIdOf(fixture, 'beta-owner');

    const ended = await call(fixture.server, admin, 'DELETE', `/users/${userId}/sessions`);
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.deepEqual(ended.body, { terminatedSessions: 2 });

    const sids = [laptop.tokens[0]!, phone.tokens[0]!].map((tokens) => decodeJwt(tokens.id_token!).sid).sort();
    const told = await logoutTokensOf(notified);
    assert.deepEqual(
      told.map((token) => token.sid).sort(),
      sids,
      'one logout token per session, naming the sid of its ID token',
    );
    assert.ok(told.every((token) => token.sub === userId));
    assert.equal(receiver.deliveries.length, 2, 'the app without a URI gets nothing; the unreachable one is skipped');

    for (const browser of [laptop, phone]) assert.equal(await stillSignedIn(browser.jar, notified), false);
    assert.equal(await refreshFails(notified, laptop.tokens[0]!.refresh_token!), true, 'offline grants go too');
    assert.equal(await refreshFails(silent, laptop.tokens[1]!.refresh_token!), true);
    const access = await introspect(await appConfig(fixture, notified), phone.tokens[0]!.access_token);
    assert.equal(access.active, false);

    assert.equal(await stillSignedIn(bystander.jar, notified), true, "another user's session stays");
    assert.equal(await refreshFails(notified, bystander.tokens[0]!.refresh_token!), false);
    const event = await Event.findOne({ instanceId: fixture.instanceId, type: 'user.sessions.terminated' }).lean();
    assert.deepEqual(event?.payload, { sessions: 2 });

    const again = await call(fixture.server, admin, 'DELETE', `/users/${userId}/sessions`);
    assert.deepEqual(again.body, { terminatedSessions: 0 });
  });

  it('GET /users/{userId}/sessions lists them by uid; DELETE …/sessions/{id} ends that one only', async () => {
    const laptop = await browserSignedIn('alpha-owner', [notified, silent]);
    const phone = await browserSignedIn('alpha-owner', [notified]);
    const userId = await userIdOf(fixture, 'alpha-owner');
    const listed = await call(fixture.server, admin, 'GET', `/users/${userId}/sessions`);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const sessions = listed.body.sessions as Array<{ id: string; clientIds: string[]; signedInAt: string }>;
    assert.deepEqual(sessions.map((session) => session.clientIds.sort().join()).sort(), [
      'ended-rp',
      'ended-rp,quiet-rp',
    ]);
    assert.ok(sessions.every((session) => !laptop.jar.header(new URL(fixture.baseUrl)).includes(session.id)));
    const onLaptop = sessions.find((session) => session.clientIds.includes('quiet-rp'))!;

    const unknown = await call(fixture.server, admin, 'DELETE', `/users/${userId}/sessions/no-such-session`);
    assert.equal(unknown.status, 404);
    const ended = await call(fixture.server, admin, 'DELETE', `/users/${userId}/sessions/${onLaptop.id}`);
    assert.equal(ended.status, 204, JSON.stringify(ended.body));
    assert.equal(await stillSignedIn(laptop.jar, notified), false);
    assert.equal(await stillSignedIn(phone.jar, notified), true, 'the other session stays');
    const told = await logoutTokensOf(notified);
    assert.deepEqual(
      told.map((token) => token.sid),
      [decodeJwt(laptop.tokens[0]!.id_token!).sid],
    );
    const event = await Event.findOne({ instanceId: fixture.instanceId, type: 'user.session.terminated' }).lean();
    assert.deepEqual(event?.payload, { sessionId: onLaptop.id });
    const left = await call(fixture.server, admin, 'GET', `/users/${userId}/sessions`);
    assert.equal((left.body.sessions as unknown[]).length, 1);
  });

  it('deactivating a user ends its sessions and tells the apps', async () => {
    const browser = await browserSignedIn('alice', [notified]);
    const userId = await userIdOf(fixture, 'alice');
    assert.equal((await call(fixture.server, admin, 'POST', `/users/${userId}/deactivate`)).status, 200);
    assert.deepEqual(await logoutTokensOf(notified), [
      { sub: userId, sid: decodeJwt(browser.tokens[0]!.id_token!).sid },
    ]);
    assert.equal(await refreshFails(notified, browser.tokens[0]!.refresh_token!), true);
    assert.equal((await call(fixture.server, admin, 'POST', `/users/${userId}/reactivate`)).status, 200);
  });

  it('deleting a user ends its sessions and tells the apps', async () => {
    const created = await call(fixture.server, admin, 'POST', `/orgs/${fixture.orgs.Beta}/users/human`, {
      username: 'leaving',
      email: 'leaving@example.com',
      givenName: 'Lee',
      familyName: 'Ving',
      password: DEMO_PASSWORD,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const browser = await browserSignedIn('leaving', [notified]);
    assert.equal((await call(fixture.server, admin, 'DELETE', `/users/${created.body.id as string}`)).status, 204);
    assert.deepEqual(await logoutTokensOf(notified), [
      { sub: created.body.id as string, sid: decodeJwt(browser.tokens[0]!.id_token!).sid },
    ]);
    assert.equal(await stillSignedIn(browser.jar, notified), false);
  });

  it('removing an org ends the sessions of its users and tells the apps', async () => {
    const { orgId, userId } = await orgWithUser('Closing Down', 'closing');
    const browser = await browserSignedIn('closing', [notified, silent]);
    assert.equal((await call(fixture.server, admin, 'DELETE', `/orgs/${orgId}`)).status, 204);
    assert.deepEqual(await logoutTokensOf(notified), [
      { sub: userId, sid: decodeJwt(browser.tokens[0]!.id_token!).sid },
    ]);
    assert.equal(await stillSignedIn(browser.jar, notified), false);
    assert.equal(await refreshFails(silent, browser.tokens[1]!.refresh_token!), true);
  });

  it('deactivating an org ends the sessions of its users and tells the apps; reactivated, they sign in again', async () => {
    const { orgId, userId } = await orgWithUser('Pausing', 'pausing');
    await orgWithUser('Pausing Neighbour', 'neighbouring');
    const browser = await browserSignedIn('pausing', [notified, silent]);
    const neighbour = await browserSignedIn('neighbouring', [notified]);
    assert.equal((await call(fixture.server, admin, 'POST', `/orgs/${orgId}/deactivate`)).status, 200);
    assert.deepEqual(await logoutTokensOf(notified), [
      { sub: userId, sid: decodeJwt(browser.tokens[0]!.id_token!).sid },
    ]);
    assert.equal(await stillSignedIn(browser.jar, notified), false);
    assert.equal(await refreshFails(silent, browser.tokens[1]!.refresh_token!), true);
    assert.equal(await stillSignedIn(neighbour.jar, notified), true, "another org's user stays signed in");
    assert.equal((await call(fixture.server, admin, 'POST', `/orgs/${orgId}/reactivate`)).status, 200);
    await browserSignedIn('pausing', [notified]);
  });
});
