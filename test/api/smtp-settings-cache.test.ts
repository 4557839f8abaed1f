// The instance's SMTP settings are read once per message (and on login pages that offer email flows), so they are
// cached per instance like the other instance settings: a write that bypasses the commands is not seen, and a change
// through the API is used by the very next message.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import mongoose from 'mongoose';
import { Instance } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { bootstrapToken, call } from './helpers.ts';

let server: TestServer;
let admin: string;
let first: TestSmtp;
let second: TestSmtp;

before(async () => {
  [first, second] = await Promise.all([startTestSmtp(), startTestSmtp()]);
  server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  admin = await bootstrapToken(server);
});
after(async () => {
  await server.stop();
  await Promise.all([first.stop(), second.stop()]);
});

const settingsFor = (smtp: TestSmtp) => ({
  host: '127.0.0.1',
  port: smtp.port,
  tls: 'none',
  senderAddress: 'login@castellan.test',
});

async function sendTest(to: string): Promise<void> {
  const sent = await call(server, admin, 'POST', '/instance/smtp/test', { to });
  assert.equal(sent.body.sent, true, JSON.stringify(sent.body));
}

it('reads the settings from the cache, and the next message after a change goes to the new server', async () => {
  assert.equal((await call(server, admin, 'PUT', '/instance/smtp', settingsFor(first))).status, 200);
  await sendTest('one@mail.test');
  await first.waitFor('one@mail.test');

  // Behind the cache's back (the driver, not a model: nothing is invalidated): still the cached server.
  const instances = mongoose.connection.db!.collection<{ _id: string }>(Instance.collection.collectionName);
  await instances.updateOne({ _id: server.bootstrap.instanceId }, { $set: { 'smtp.port': second.port } });
  await sendTest('two@mail.test');
  await first.waitFor('two@mail.test');
  assert.equal(second.to('two@mail.test').length, 0);

  assert.equal((await call(server, admin, 'PUT', '/instance/smtp', settingsFor(second))).status, 200);
  await sendTest('three@mail.test');
  await second.waitFor('three@mail.test');
  assert.equal(first.to('three@mail.test').length, 0);

  assert.equal((await call(server, admin, 'DELETE', '/instance/smtp')).status, 204);
  assert.equal((await call(server, admin, 'POST', '/instance/smtp/test', { to: 'four@mail.test' })).status, 409);
});
