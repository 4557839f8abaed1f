// The writes of a password login that parallel logins share (the round-trip budget in bench/README.md, "### Login"):
// what is new is inserted through the group commit, what is removed by `_id` goes through the batched deletion, and
// what is saved again is replaced. Counted with the driver's command monitoring (on when METRICS_TOKEN is set,
// src/store/database/connection.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { demoLogin } from '../helpers/mfa.ts';
import {
  CookieJar,
  redeemCode,
  startLogin,
  submitLoginName,
  submitPassword,
  type LoginFlow,
  type LoginOptions,
} from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { commandsDuring, type CommandLabel } from '../helpers/database-commands.ts';

let server: TestServer;
let demo: LoginOptions;
before(async () => {
  server = await startTestServer({ METRICS_TOKEN: 'login-writes-test-metrics-token' });
  demo = demoLogin(server);
});
after(() => server.stop());

const WATCHED = new Set(['oidc_interactions', 'oidc_sessions', 'oidc_authorization_codes', 'browser_logins']);

/** `command collection` of the writes to the watched collections while `work` runs. */
async function writesOf<T>(work: () => Promise<T>): Promise<{ result: T; writes: string[] }> {
  const watchedWrite: CommandLabel = (event, collection) => {
    if (!WATCHED.has(collection) || !['insert', 'update', 'delete'].includes(event.commandName)) return undefined;
    // The batched deletion's `deleteMany` names its ids in a list (store/database/delete-batcher.ts).
    const deletes = event.command.deletes as Array<{ q: { _id?: unknown } }> | undefined;
    const batched = deletes?.some((operation) => typeof operation.q._id === 'object') ? ' ($in)' : '';
    return `${event.commandName} ${collection}${batched}`;
  };
  const { result, commands } = await commandsDuring(work, watchedWrite, 100);
  return { result, writes: commands };
}

/** The commands on the codes' collection, with how many ids a `find` asks for. */
const codeCommand: CommandLabel = (event, collection) => {
  if (collection !== 'oidc_authorization_codes') return undefined;
  const ids = (event.command.filter as { _id?: { $in?: unknown[] } } | undefined)?._id?.$in;
  return `${event.commandName} ${collection}${ids ? ` (${ids.length} ids)` : ''}`;
};

describe('writes of a password login', () => {
  it('inserts the new interaction, browser login, session and the code consumption; deletes the interaction', async () => {
    const jar = new CookieJar();
    const authorize = await writesOf(() => startLogin({ ...demo, jar }));
    assert.deepEqual(authorize.writes, ['insert oidc_interactions']);
    const password = await writesOf(async () =>
      submitPassword(await submitLoginName(authorize.result, 'alice'), DEMO_PASSWORD),
    );
    // The password step's answer is the redirect to the resume, which the flow follows to the callback.
    const flow: LoginFlow = password.result;
    assert.ok(flow.callbackUrl?.searchParams.get('code'), 'the login finished');
    assert.deepEqual(password.writes.sort(), [
      'delete oidc_interactions ($in)',
      'insert browser_logins',
      'insert oidc_authorization_codes',
      'insert oidc_sessions',
      'update oidc_interactions',
    ]);
    // The code's consumption is one insert of its marker, next to the code (no update of the code itself), and the
    // code is read with its marker in one `find`.
    const token = await commandsDuring(() => redeemCode(flow), codeCommand, 100);
    assert.ok(token.result.access_token);
    assert.deepEqual(token.commands, ['find oidc_authorization_codes (2 ids)', 'insert oidc_authorization_codes']);

    // The same browser again, with a new password login: what exists is replaced.
    const again = await writesOf(async () => {
      const started = await startLogin({ ...demo, jar, extraParams: { prompt: 'login' } });
      return submitPassword(await submitLoginName(started, 'alice'), DEMO_PASSWORD);
    });
    assert.ok(again.result.callbackUrl?.searchParams.get('code'), 'the second login finished');
    assert.ok(again.writes.includes('update browser_logins'), again.writes.join(', '));
    assert.ok(again.writes.includes('update oidc_sessions'), again.writes.join(', '));
    assert.ok(!again.writes.includes('insert browser_logins'), again.writes.join(', '));
  });
});
