// A complement-token action that fails and may not fail (it throws, or runs past its timeout) fails the request that
// builds the claims, as ZITADEL's actions v1 do without `allowedToFail` (https://zitadel.com/docs/concepts/features/
// actions: "a switch that defines if its corresponding flow should fail if the action fails"): the token endpoint and
// userinfo answer an OAuth `server_error` whose description says an action failed, and the log holds the error with
// its cause. An action allowed to fail is skipped: the token is issued without its claim.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { bootstrapToken } from '../api/helpers.ts';
import { demoRp, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { watchLog, type LogWatch } from '../helpers/log-lines.ts';
import { attach, createAction } from './helpers.ts';

let fixture: OidcFixture;
let admin: string;
let log: LogWatch;
const { demoLogin, demoConfig, userId } = demoRp(() => fixture);
const acme = () => `/orgs/${fixture.orgs.ACME}`;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
  log = watchLog(fixture.server.services.log);
});
afterEach(() => attach(fixture.server, admin, acme(), 'complement-token', 'pre-userinfo-creation', []));
after(async () => {
  log.stop();
  await fixture.server.stop();
});

async function attachAction(name: string, script: string, extra: Record<string, unknown> = {}): Promise<void> {
  const action = await createAction(fixture.server, admin, acme(), { name, script, ...extra });
  await attach(fixture.server, admin, acme(), 'complement-token', 'pre-userinfo-creation', [action.id]);
}

/**
 * The OAuth error response a request failed with. openid-client parses error bodies of 4xx answers only
 * (ResponseBodyError); a 500 reaches the caller as a ClientError whose cause is the Response, read here.
 */
async function oauthError(request: Promise<unknown>): Promise<{ status: number; error: string; description: string }> {
  const failure = await request.then(
    () => assert.fail('the request succeeded'),
    (error: unknown) => error as Error & { cause?: unknown },
  );
  assert.ok(failure.cause instanceof Response, `an HTTP error response, not ${String(failure)}`);
  const body = (await failure.cause.json()) as { error: string; error_description?: string };
  return { status: failure.cause.status, error: body.error, description: body.error_description ?? '' };
}

/** The error lines logged since `from` (pino's level 50) that mention `text`. */
function loggedErrors(from: number, text: string): Record<string, unknown>[] {
  return log
    .lines()
    .slice(from)
    .filter((line) => line.level === 50 && JSON.stringify(line).includes(text));
}

describe('a complement-token action that may not fail', () => {
  it('throws: the token request answers server_error saying so, and the cause is logged', async () => {
    await attachAction('thrower', "function thrower(ctx, api) { throw new Error('directory offline'); }");
    const from = log.lines().length;
    const failure = await oauthError(demoLogin('acme-owner'));
    assert.equal(failure.status, 500);
    assert.equal(failure.error, 'server_error');
    assert.match(failure.description, /action/i);
    assert.doesNotMatch(failure.description, /directory offline/, "the script's error is for the operator's log");
    const logged = loggedErrors(from, 'directory offline');
    assert.equal(logged.length, 1, 'one error line with the cause');
    assert.match(JSON.stringify(logged[0]), /thrower/);
  });

  it('times out: the same, with the timeout in the log', async () => {
    await attachAction('spinner', 'function spinner(ctx, api) { while (true) {} }', { timeoutMs: 200 });
    const from = log.lines().length;
    const failure = await oauthError(demoLogin('acme-owner'));
    assert.equal(failure.status, 500);
    assert.equal(failure.error, 'server_error');
    assert.match(failure.description, /action/i);
    assert.equal(loggedErrors(from, 'spinner').length, 1);
    assert.match(JSON.stringify(loggedErrors(from, 'spinner')[0]), /interrupted|timed out/);
  });

  it('fails at userinfo: userinfo answers server_error too, logged', async () => {
    const { access_token: accessToken } = await demoLogin('acme-owner');
    await attachAction('lateThrower', "function lateThrower(ctx, api) { throw new Error('late failure'); }");
    const from = log.lines().length;
    const failure = await oauthError(client.fetchUserInfo(await demoConfig(), accessToken, await userId('acme-owner')));
    assert.equal(failure.status, 500);
    assert.equal(failure.error, 'server_error');
    assert.match(failure.description, /action/i);
    assert.equal(loggedErrors(from, 'late failure').length, 1);
  });
});

describe('a complement-token action allowed to fail', () => {
  it('times out: the token is issued without its claim, and the failure is a warning', async () => {
    const script = "function lenient(ctx, api) { api.v1.claims.setClaim('lenient', 1); while (true) {} }";
    await attachAction('lenient', script, { timeoutMs: 200, allowedToFail: true });
    const from = log.lines().length;
    const tokens = await demoLogin('acme-owner');
    assert.equal(tokens.claims()!.lenient, undefined);
    assert.equal(loggedErrors(from, 'lenient').length, 0, 'no error logged: the flow went on');
    assert.ok(
      log
        .lines()
        .slice(from)
        .some((line) => line.level === 40 && line.actionId !== undefined),
      'the skipped action is a warning',
    );
  });
});
