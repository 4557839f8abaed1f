// The database commands of the TOTP code step of a login (the round-trip budget in bench/README.md, "### Login"),
// counted with the driver's command monitoring (on when METRICS_TOKEN is set, src/store/database/connection.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandStartedEvent } from 'mongodb';
import mongoose from 'mongoose';
import { bootstrapToken } from '../api/helpers.ts';
import { submitForm } from '../helpers/login.ts';
import { enrolledTotpUser, nextStepCode, onStep, passwordStep } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer({ METRICS_TOKEN: 'totp-round-trips-test-metrics-token' });
  admin = await bootstrapToken(server);
});
after(() => server.stop());

/** The login's own collections: the pollers (outbox, webhooks, cache revisions) touch none of them. */
const LOGIN_COLLECTIONS = new Set(['events', 'factor_uses', 'rate_limit_hits', 'user_factors', 'users']);

/** `command collection (documents)` of the commands on the login's collections while `work` runs. */
async function commandsOf(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const record = (event: CommandStartedEvent) => {
    const collection = String(event.command[event.commandName]);
    if (!LOGIN_COLLECTIONS.has(collection)) return;
    const documents = event.commandName === 'insert' ? ` (${(event.command.documents as unknown[]).length})` : '';
    seen.push(`${event.commandName} ${collection}${documents}`);
  };
  const driver = mongoose.connection.getClient();
  driver.on('commandStarted', record);
  try {
    await work();
  } finally {
    driver.off('commandStarted', record);
  }
  return seen;
}

describe('round trips of the TOTP code step', () => {
  it('marks the step and the earlier ones in one insert, and both audit events in another, with no replay read', async () => {
    const user = await enrolledTotpUser(server, admin);
    const flow = await passwordStep(server, user.username);
    assert.ok(onStep(flow, '/mfa'));
    let finished;
    const commands = await commandsOf(async () => {
      finished = await submitForm(flow, { code: nextStepCode(user.secret) });
    });
    assert.ok(finished!.callbackUrl?.searchParams.get('code'), 'the login finished');
    assert.ok(!commands.some((command) => command.startsWith('find factor_uses')), commands.join(', '));
    assert.deepEqual(
      commands.filter((command) => command.startsWith('insert factor_uses') || command.startsWith('insert events')),
      ['insert factor_uses (3)', 'insert events (2)'],
      commands.join(', '),
    );
  });
});
