import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { EmailOutbox, Instance } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// Development mode (config email.logWithoutSmtp): an instance without SMTP settings has its messages logged, so the
// flows that need email work on a developer's machine.

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    EMAIL_LOG_WITHOUT_SMTP: 'true',
    EMAIL_OUTBOX_POLL_MS: '50',
  });
  admin = await bootstrapToken(server);
});
after(() => server.stop());

test('without SMTP settings the message is logged instead of refused', async () => {
  const orgId = (await Instance.findById(server.bootstrap.instanceId).lean())!.defaultOrgId;
  const created = await call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
    username: 'dev-user',
    email: 'dev@mail.test',
    givenName: 'Dev',
    familyName: 'User',
  });
  assert.equal(created.body.emailCodeSent, true);
  const userId = created.body.id as string;
  const deadline = Date.now() + 5000;
  let message = await EmailOutbox.findOne({ userId }).lean();
  while (message?.state !== 'sent' && Date.now() < deadline) {
    await sleep(20);
    message = await EmailOutbox.findOne({ userId }).lean();
  }
  assert.equal(message?.state, 'sent');
  assert.equal(message?.deliveredBy, 'log');
  assert.equal((await call(server, admin, 'POST', `/users/${userId}/password/reset`)).status, 204);
});
