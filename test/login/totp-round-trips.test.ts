// The database commands of the TOTP code step of a login (the round-trip budget in bench/README.md, "### Login"),
// counted with the driver's command monitoring (on when METRICS_TOKEN is set, src/store/database/connection.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bootstrapToken } from '../api/helpers.ts';
import { startLogin, submitForm, submitLoginName, submitPassword } from '../helpers/login.ts';
import {
  demoLogin,
  enrolledTotpUser,
  nextStepCode,
  onStep,
  orgWithUser,
  PASSWORD,
  passwordStep,
} from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { commandsDuring, type CommandLabel } from '../helpers/database-commands.ts';

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
  const onLoginCollections: CommandLabel = (event, collection) => {
    if (!LOGIN_COLLECTIONS.has(collection)) return undefined;
    const documents = event.commandName === 'insert' ? ` (${(event.command.documents as unknown[]).length})` : '';
    return `${event.commandName} ${collection}${documents}`;
  };
  return (await commandsDuring(work, onLoginCollections)).commands;
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

  it('counts both throttles of the password step and of the code step in one read each', async () => {
    const user = await enrolledTotpUser(server, admin);
    const throttleCommands = (commands: string[]) => commands.filter((command) => command.includes('rate_limit_hits'));
    let flow;
    const password = await commandsOf(async () => {
      flow = await passwordStep(server, user.username);
    });
    assert.ok(onStep(flow!, '/mfa'));
    // The hits of the login name and of the IP address: one insert, one read of both keys, one deletion.
    assert.deepEqual(throttleCommands(password), [
      'insert rate_limit_hits (2)',
      'find rate_limit_hits',
      'delete rate_limit_hits',
    ]);
    const code = await commandsOf(() => submitForm(flow!, { code: nextStepCode(user.secret) }));
    assert.deepEqual(throttleCommands(code), [
      'insert rate_limit_hits (2)',
      'find rate_limit_hits',
      'delete rate_limit_hits',
    ]);
  });

  it('reads a user the login has not seen before twice: by login name, then fresh at the password step', async () => {
    const user = await enrolledTotpUser(server, admin);
    // A write anywhere in the instance drops its cache (store/cache/instance-cache.ts): this login starts cold, as a
    // user's first login does.
    await orgWithUser(server, admin, {});
    const userReads = async (step: () => Promise<unknown>) =>
      (await commandsOf(step)).filter((command) => command === 'find users').length;
    let flow = await startLogin(demoLogin(server));
    const reads = [
      await userReads(async () => (flow = await submitLoginName(flow, user.username))),
      await userReads(async () => (flow = await submitPassword(flow, PASSWORD))),
    ];
    assert.ok(onStep(flow, '/mfa'));
    // The code step reads the user from the cache the password step's fresh read filled, and so does the provider's
    // resume (followed from the code step's redirect) for the session's account (store/queries/accounts.ts).
    reads.push(await userReads(async () => (flow = await submitForm(flow, { code: nextStepCode(user.secret) }))));
    assert.ok(flow.callbackUrl?.searchParams.get('code'), 'the login finished');
    assert.deepEqual(reads, [1, 1, 0]);
  });
});
