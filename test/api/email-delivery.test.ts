import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMachineUser } from '../../src/domain/commands/users.ts';
import { addMember } from '../../src/domain/commands/memberships.ts';
import { createPersonalAccessToken } from '../../src/domain/commands/personal-access-tokens.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { EmailOutbox, Instance } from '../../src/store/models/index.ts';
import { WriteLock } from '../../src/store/models/write-lock.ts';
import { OUTBOX_BODY_PURPOSE } from '../../src/domain/emails.ts';
import { startOutboxWorker } from '../../src/process/outbox-worker.ts';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { bootstrapToken, call } from './helpers.ts';

// Email delivery (issue 16): the instance's SMTP settings through the API (the password encrypted, never returned),
// the test route, and the outbox: a message enqueued while the SMTP server is down goes out once it is back, exactly
// once, also with several workers competing; a message that keeps failing is given up, in metrics and the audit trail.

const METRICS_TOKEN = 'email-metrics-token-0123456789';
const credentials = { username: 'castellan', password: 'smtp-Secret-42' };
let server: TestServer;
let admin: string;
let smtp: TestSmtp;
let orgId: string;

const settings = (overrides: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port: smtp.port,
  tls: 'none',
  user: credentials.username,
  password: credentials.password,
  senderAddress: 'login@castellan.test',
  senderName: 'Castellan Login',
  replyTo: 'support@castellan.test',
  ...overrides,
});

before(async () => {
  smtp = await startTestSmtp({ credentials });
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    EMAIL_OUTBOX_POLL_MS: '50',
    EMAIL_RETRY_BASE_MS: '300',
    EMAIL_MAX_ATTEMPTS: '5',
    METRICS_TOKEN,
  });
  admin = await bootstrapToken(server);
  orgId = (await Instance.findById(server.bootstrap.instanceId).lean())!.defaultOrgId;
});
after(async () => {
  await server.stop();
  await smtp.stop();
});

let serial = 0;
async function createUser(email = `user${++serial}@mail.test`): Promise<{ id: string; email: string; sent: boolean }> {
  const created = await call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
    username: `mail-${email.split('@')[0]}-${Date.now()}`,
    email,
    givenName: 'Mail',
    familyName: 'User',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { id: created.body.id as string, email, sent: created.body.emailCodeSent as boolean };
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (
    await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function eventTypes(resourceId: string): Promise<string[]> {
  const events = await call(server, admin, 'GET', `/events?resourceId=${resourceId}`);
  return (events.body.events as Array<{ type: string }>).map((event) => event.type);
}

test('without SMTP settings a user is still created (no code sent); the flows that need email answer 409 naming smtp', async () => {
  const user = await createUser();
  assert.equal(user.sent, false);
  for (const path of [`/users/${user.id}/email/resend`, `/users/${user.id}/password/reset`]) {
    const refused = await call(server, admin, 'POST', path);
    assert.equal(refused.status, 409, path);
    assert.match(String(refused.body.detail), /SMTP settings \(smtp: PUT \/api\/v1\/instance\/smtp\)/);
  }
  assert.equal((await call(server, admin, 'GET', '/instance/smtp')).status, 404);
  assert.equal((await call(server, admin, 'POST', '/instance/smtp/test', { to: 'a@b.test' })).status, 409);
  assert.equal(await EmailOutbox.countDocuments({ userId: user.id }), 0);
  const change = { givenName: 'Renamed', email: 'changed@mail.test' };
  assert.equal((await call(server, admin, 'PATCH', `/users/${user.id}`, change)).status, 409);
  const unchanged = (await call(server, admin, 'GET', `/users/${user.id}`)).body.human as Record<string, unknown>;
  assert.deepEqual([unchanged.givenName, unchanged.email, unchanged.pendingEmail], ['Mail', user.email, null]);
});

test('SMTP settings: the password is encrypted at rest and never returned; kept when left out; an org owner sees 404', async () => {
  const set = await call(server, admin, 'PUT', '/instance/smtp', settings());
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const expected = { ...settings(), password: undefined, hasPassword: true };
  delete expected.password;
  assert.deepEqual(set.body, expected);
  assert.deepEqual((await call(server, admin, 'GET', '/instance/smtp')).body, expected);
  const stored = (await Instance.findById(server.bootstrap.instanceId).lean())!.smtp!;
  assert.ok(stored.passwordEncrypted && !stored.passwordEncrypted.includes(credentials.password));
  const { password: _password, ...withoutPassword } = settings({ senderName: 'Renamed' });
  assert.equal((await call(server, admin, 'PUT', '/instance/smtp', withoutPassword)).body.hasPassword, true);
  const events = await call(server, admin, 'GET', `/events?resourceId=${server.bootstrap.instanceId}`);
  assert.ok(!JSON.stringify(events.body).includes(credentials.password));
  for (const bad of [
    { ...settings(), tls: 'ssl' },
    { ...settings(), port: 0 },
    { ...settings(), extra: 1 },
  ])
    assert.equal((await call(server, admin, 'PUT', '/instance/smtp', bad)).status, 400);

  const actor = { instanceId: server.bootstrap.instanceId, actorId: 'smtp-test' };
  const owner = await createMachineUser(actor, orgId, { username: 'smtp-org-owner', name: 'Org owner' });
  await addMember(actor, { level: 'org', resourceId: orgId, orgId, projectId: null }, owner._id, ['ORG_OWNER']);
  const { token } = await createPersonalAccessToken(
    actor,
    owner,
    new Date(Date.now() + 3600_000),
    clientSecretHashKey(server.services.masterKey),
  );
  assert.equal((await call(server, token, 'GET', '/instance/smtp')).status, 404);
  assert.equal((await call(server, token, 'PUT', '/instance/smtp', settings())).status, 404);
  assert.equal((await call(server, admin, 'PUT', '/instance/smtp', settings())).status, 200);
});

test('the test route sends at once through the stored settings and answers what the SMTP server said', async () => {
  const sent = await call(server, admin, 'POST', '/instance/smtp/test', { to: 'ops@mail.test' });
  assert.equal(sent.status, 200);
  assert.equal(sent.body.sent, true);
  assert.match(String(sent.body.response), /^250/);
  const [mail] = await smtp.waitFor('ops@mail.test');
  assert.deepEqual(mail!.auth, credentials);
  assert.equal(mail!.parsed.from?.value[0]?.address, 'login@castellan.test');
  assert.equal(mail!.parsed.from?.value[0]?.name, 'Castellan Login');
  assert.equal(mail!.parsed.replyTo?.value[0]?.address, 'support@castellan.test');
  assert.match(mail!.parsed.subject ?? '', /test message/);

  await call(server, admin, 'PUT', '/instance/smtp', settings({ password: 'wrong' }));
  const refused = await call(server, admin, 'POST', '/instance/smtp/test', { to: 'ops@mail.test' });
  assert.equal(refused.body.sent, false);
  assert.match(String(refused.body.error), /Invalid username or password/);
  await call(server, admin, 'PUT', '/instance/smtp', settings());
});

async function waitForOutbox(
  filter: Record<string, unknown>,
  check: (doc: { attempts: number; state: string }) => boolean,
) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const doc = await EmailOutbox.findOne(filter).lean();
    if (doc && check(doc)) return doc;
    if (Date.now() > deadline) throw new Error(`outbox message never matched: ${JSON.stringify(doc)}`);
    await sleep(10);
  }
}

test('a message enqueued while the SMTP server is down is delivered once it is back, exactly once', async () => {
  const retriesBefore = await metric('castellan_email_deliveries_total', 'outcome="retry"');
  await smtp.stop();
  const user = await createUser();
  assert.equal(user.sent, true);
  const failed = await waitForOutbox({ userId: user.id }, (doc) => doc.attempts >= 1);
  await smtp.start();
  assert.equal(failed.state, 'pending');
  assert.ok(failed.lastError);
  assert.ok(failed.body && !failed.body.includes('Hello'), 'the body is encrypted at rest');
  const [mail] = await smtp.waitFor(user.email);
  const sent = await waitForOutbox({ userId: user.id }, (doc) => doc.state === 'sent');
  assert.equal(sent.body, null, 'the body is dropped once sent');
  const code = /code: (\S+)/.exec(mail!.parsed.text ?? '')![1]!;
  assert.ok(!JSON.stringify(await EmailOutbox.find({}).lean()).includes(code));
  await sleep(400);
  assert.equal(smtp.to(user.email).length, 1);
  assert.ok((await metric('castellan_email_deliveries_total', 'outcome="retry"')) > retriesBefore);
  assert.ok((await eventTypes(user.id)).includes('email.delivery.attempt_failed'));
});

test('with four workers competing for the outbox, every message is delivered exactly once', async () => {
  const extraWorkers = [1, 2, 3].map(() => startOutboxWorker(server.services));
  try {
    await smtp.stop();
    // Created together, so that the outage stays within the retries (5 attempts: 0.3 + 0.6 + 1.2 + 2.4 s) even on a
    // loaded machine; one at a time, the first messages were given up before the server came back.
    const users = await Promise.all(Array.from({ length: 12 }, () => createUser()));
    await smtp.start();
    for (const user of users) await smtp.waitFor(user.email);
    await sleep(500);
    for (const user of users) assert.equal(smtp.to(user.email).length, 1, user.email);
  } finally {
    await Promise.all(extraWorkers.map((worker) => worker.stop()));
  }
});

test('a message that keeps failing is given up after maxAttempts: in the metrics and the audit trail', async () => {
  const failedBefore = await metric('castellan_email_deliveries_total', 'outcome="failed"');
  const closedPort = await freeLoopbackPort();
  await call(server, admin, 'PUT', '/instance/smtp', settings({ port: closedPort }));
  try {
    const user = await createUser();
    const given = await waitForOutbox({ userId: user.id }, (doc) => doc.state === 'failed');
    assert.equal(given.attempts, 5);
    assert.equal(await metric('castellan_email_deliveries_total', 'outcome="failed"'), failedBefore + 1);
    assert.ok((await eventTypes(user.id)).includes('email.delivery.failed'));
  } finally {
    await call(server, admin, 'PUT', '/instance/smtp', settings());
  }
});

test("a lease held by a live process keeps others off a message; a dead process's expired lease is taken over", async () => {
  const body = server.services.masterKey.encrypt(
    JSON.stringify({ text: 'leased', html: '<p>leased</p>' }),
    OUTBOX_BODY_PURPOSE,
  );
  const message = async (to: string) =>
    (
      await EmailOutbox.create({
        instanceId: server.bootstrap.instanceId,
        template: 'smtp-test',
        to,
        subject: 'Leased',
        body,
        nextAttemptAt: new Date(Date.now() + 3600_000),
      })
    )._id;
  const held = await message('held@mail.test');
  const abandoned = await message('abandoned@mail.test');
  await WriteLock.create({ _id: `EmailOutbox:${held}`, holder: 'alive', expiresAt: new Date(Date.now() + 60_000) });
  await WriteLock.create({ _id: `EmailOutbox:${abandoned}`, holder: 'dead', expiresAt: new Date(Date.now() - 1) });
  await EmailOutbox.updateMany({ _id: { $in: [held, abandoned] } }, { $set: { nextAttemptAt: new Date() } });

  await smtp.waitFor('abandoned@mail.test');
  await sleep(300);
  assert.equal(smtp.to('held@mail.test').length, 0);
  assert.equal((await EmailOutbox.findById(held).lean())?.state, 'pending');
  await WriteLock.deleteOne({ _id: `EmailOutbox:${held}`, holder: 'alive' });
  await smtp.waitFor('held@mail.test');
});
