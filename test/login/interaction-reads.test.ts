// The interaction reads of a password login (the round-trip budget in bench/README.md, "### Login"): the pages that
// only show the login (the login name page, and the password page answered to the login name) use the copy this
// process stored or read last; every step that writes the login reads it from the database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { demoLogin } from '../helpers/mfa.ts';
import {
  openPage,
  pageText,
  redeemCode,
  startLogin,
  submitLoginName,
  submitPassword,
  type LoginOptions,
} from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { commandsDuring, type CommandLabel } from '../helpers/database-commands.ts';

let server: TestServer;
let demo: LoginOptions;
before(async () => {
  server = await startTestServer({ METRICS_TOKEN: 'interaction-reads-test-metrics-token' });
  demo = demoLogin(server);
});
after(() => server.stop());

const interactionReads: CommandLabel = (event, collection) =>
  collection === 'oidc_interactions' && event.commandName === 'find' ? 'find' : undefined;

describe('interaction reads of a password login', () => {
  it('shows the login name page and answers the login name without reading the interaction again', async () => {
    // The authorization request stores the interaction and the browser follows the redirect to the login name page.
    const started = await commandsDuring(() => startLogin(demo), interactionReads);
    assert.match(pageText(started.result.page!.html), /Sign in/);
    assert.deepEqual(started.commands, []);
    const named = await commandsDuring(() => submitLoginName(started.result, 'alice'), interactionReads);
    assert.match(pageText(named.result.page!.html), /Enter your password/);
    assert.deepEqual(named.commands, []);
    // The password step writes the login's result: it reads the interaction fresh, as the resume does.
    const finished = await commandsDuring(() => submitPassword(named.result, DEMO_PASSWORD), interactionReads);
    assert.ok(finished.result.callbackUrl?.searchParams.get('code'), 'the login finished');
    assert.deepEqual(finished.commands, ['find', 'find']);
    assert.ok((await redeemCode(finished.result)).access_token);
  });

  it('shows a finished login as expired, not as its login name page', async () => {
    const started = await startLogin(demo);
    const loginPageUrl = started.page!.url;
    const finished = await submitPassword(await submitLoginName(started, 'alice'), DEMO_PASSWORD);
    assert.ok(finished.callbackUrl?.searchParams.get('code'), 'the login finished');
    const again = await openPage(finished.jar, loginPageUrl);
    assert.equal(again.page?.status, 400);
    assert.match(pageText(again.page!.html), /expired or was already completed/);
  });
});
