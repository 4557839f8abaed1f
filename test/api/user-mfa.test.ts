// A manager's routes for a user's second factors: list (user.read), remove one, remove all, add codes by email for a
// verified address (user.write; ZITADEL's AddOTPEmail), each change an audit event with the manager as its actor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Event, UserFactor } from '../../src/store/models/index.ts';
import { submitForm } from '../helpers/login.ts';
import { confirmSetup, orgWithUser, passwordStep } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { bootstrapToken, call } from './helpers.ts';

let server: TestServer;
let admin: string;
let smtp: TestSmtp;
before(async () => {
  smtp = await startTestSmtp();
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(async () => {
  await server.stop();
  await smtp.stop();
});

const EMAIL_POLICY = { forceMfa: true, secondFactors: ['totp', 'recovery_codes', 'otp_email'] };

/** A user who set up TOTP (and got recovery codes) through a forced login. */
async function enrolledUser(userFields: Record<string, unknown> = {}) {
  const user = await orgWithUser(server, admin, EMAIL_POLICY, userFields);
  const setup = await confirmSetup(await passwordStep(server, user.username));
  await submitForm(setup.flow, {});
  return user;
}

/** A token of a machine user of the org with `role` (e.g. ORG_OWNER_VIEWER: user.read only). */
async function memberToken(orgId: string, role: string): Promise<string> {
  const name = `member-${Math.random().toString(36).slice(2, 8)}`;
  const machine = await call(server, admin, 'POST', `/orgs/${orgId}/users/machine`, { username: name, name });
  await call(server, admin, 'POST', `/orgs/${orgId}/members`, { userId: machine.body.id, roles: [role] });
  const pat = await call(server, admin, 'POST', `/users/${machine.body.id as string}/personal-access-tokens`, {});
  return pat.body.token as string;
}

const eventsOf = async (userId: string, type: string) =>
  (await Event.find({ resourceId: userId, type }).lean()).map((event) => ({
    actorId: event.actorId,
    ...event.payload,
  }));

describe('listing and removing factors', () => {
  it('lists confirmed factors only; removes one (404 for an unknown one), then all, audited', async () => {
    const user = await enrolledUser();
    await UserFactor.create({
      instanceId: (await UserFactor.findOne({ userId: user.userId }))!.instanceId,
      userId: user.userId,
      orgId: user.orgId,
      type: 'otp_email',
      name: 'Codes by email',
      state: 'pending',
    });
    const list = await call(server, admin, 'GET', `/users/${user.userId}/mfa`);
    assert.equal(list.status, 200);
    const factors = list.body.factors as Array<{ id: string; type: string }>;
    assert.deepEqual(factors.map((factor) => factor.type).sort(), ['recovery_codes', 'totp']);

    const unknown = await call(server, admin, 'DELETE', `/users/${user.userId}/mfa/no-such-factor`);
    assert.equal(unknown.status, 404);
    const totp = factors.find((factor) => factor.type === 'totp')!;
    assert.equal((await call(server, admin, 'DELETE', `/users/${user.userId}/mfa/${totp.id}`)).status, 204);
    const left = (await call(server, admin, 'GET', `/users/${user.userId}/mfa`)).body.factors as unknown[];
    assert.equal(left.length, 1);
    const removed = await eventsOf(user.userId, 'user.mfa.removed');
    assert.deepEqual(
      removed.map((event) => event.factorType),
      ['totp'],
    );
    assert.notEqual(removed[0]!.actorId, user.userId, 'the manager is the actor');

    assert.equal((await call(server, admin, 'DELETE', `/users/${user.userId}/mfa`)).status, 204);
    assert.deepEqual((await call(server, admin, 'GET', `/users/${user.userId}/mfa`)).body.factors, []);
    assert.equal(await UserFactor.countDocuments({ userId: user.userId }), 0, 'pending factors go too');
    assert.equal((await eventsOf(user.userId, 'user.mfa.reset')).length, 1);
  });

  it('a viewer (user.read) lists but neither removes nor adds', async () => {
    const user = await enrolledUser({ emailVerified: true });
    const viewer = await memberToken(user.orgId, 'ORG_OWNER_VIEWER');
    const list = await call(server, viewer, 'GET', `/users/${user.userId}/mfa`);
    assert.equal(list.status, 200);
    const [first] = list.body.factors as Array<{ id: string }>;
    assert.equal((await call(server, viewer, 'DELETE', `/users/${user.userId}/mfa/${first!.id}`)).status, 403);
    assert.equal((await call(server, viewer, 'DELETE', `/users/${user.userId}/mfa`)).status, 403);
    assert.equal((await call(server, viewer, 'POST', `/users/${user.userId}/mfa/otp-email`)).status, 403);
    assert.equal(await UserFactor.countDocuments({ userId: user.userId, state: 'active' }), 2);
  });
});

describe('adding codes by email', () => {
  it('adds the factor for a verified address, once; refuses an unverified address and a policy without it', async () => {
    const settings = { host: '127.0.0.1', port: smtp.port, tls: 'none', senderAddress: 'login@castellan.test' };
    assert.equal((await call(server, admin, 'PUT', '/instance/smtp', settings)).status, 200);
    const user = await orgWithUser(server, admin, EMAIL_POLICY, { emailVerified: true });
    const added = await call(server, admin, 'POST', `/users/${user.userId}/mfa/otp-email`);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.type, 'otp_email');
    assert.equal((await UserFactor.findById(added.body.id as string).lean())?.state, 'active');
    assert.deepEqual(
      (await eventsOf(user.userId, 'user.mfa.added')).map((event) => event.factorType),
      ['otp_email'],
    );
    const twice = await call(server, admin, 'POST', `/users/${user.userId}/mfa/otp-email`);
    assert.equal(twice.status, 409);

    const unverified = await orgWithUser(server, admin, EMAIL_POLICY);
    const refused = await call(server, admin, 'POST', `/users/${unverified.userId}/mfa/otp-email`);
    assert.equal(refused.status, 409);
    assert.match(JSON.stringify(refused.body), /verified/);

    const notAllowed = await orgWithUser(server, admin, {}, { emailVerified: true });
    const byPolicy = await call(server, admin, 'POST', `/users/${notAllowed.userId}/mfa/otp-email`);
    assert.equal(byPolicy.status, 409);
    assert.match(JSON.stringify(byPolicy.body), /otp_email/);
    assert.equal(await UserFactor.countDocuments({ userId: { $in: [unverified.userId, notAllowed.userId] } }), 0);
  });
});
