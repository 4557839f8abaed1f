// The database round trips of one introspection and one userinfo request (the round-trip budget in bench/README.md),
// counted with the driver's command monitoring (on when METRICS_TOKEN is set, src/store/database/connection.ts). Every
// command sent while the request runs is counted, also those of the middleware in front of the provider (userinfo is
// answered there, outside the provider's request context): the pollers (outbox, webhooks, cache revisions) are slowed
// so that they do not run meanwhile. Each request is made twice first, so the per-instance caches are as a running
// server has them, and writes of the login before have landed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import * as client from 'openid-client';
import {
  appConfig,
  createOidcApp,
  demoApp,
  introspect,
  login,
  startOidcFixture,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';
import { commandsDuring } from '../helpers/database-commands.ts';

/** As the bench's tokens: not bound to the browser session. */
const OFFLINE = 'openid profile email offline_access';
let fixture: OidcFixture;

before(async () => {
  fixture = await startOidcFixture({
    METRICS_TOKEN: 'round-trips-test-metrics-token',
    CACHE_REVISION_POLL_MS: '60000',
    EMAIL_OUTBOX_POLL_MS: '600000',
    WEBHOOKS_POLL_MS: '600000',
  });
});
after(() => fixture.server.stop());

/** `command collection` of every database command sent while `work` runs. */
async function commandsOf(work: () => Promise<unknown>): Promise<string[]> {
  return (await commandsDuring(work)).commands;
}

async function warmedCommands(work: () => Promise<unknown>): Promise<string[]> {
  await work();
  await work();
  await setTimeout(100);
  return commandsOf(work);
}

async function opaqueApp(name: string): Promise<TestApp> {
  return createOidcApp(fixture, fixture.demoProjectId, name, { accessTokenType: 'bearer' });
}

/** What the library reads for a valid token: the token, then its grant (lib/actions/introspection.js, and userinfo). */
const TOKEN_AND_GRANT = ['find oidc_tokens', 'find oidc_grants'];

describe('round trips of an introspection', () => {
  it('reads an opaque access token and its grant, and nothing else', async () => {
    const app = await opaqueApp('introspection-round-trips-opaque');
    const config = await appConfig(fixture, app);
    const { access_token: token } = await login(fixture, app, 'alice', OFFLINE);
    const commands = await warmedCommands(async () => assert.equal((await introspect(config, token)).active, true));
    assert.deepEqual(commands, TOKEN_AND_GRANT);
  });

  it('reads a JWT access token by its jti, and its grant', async () => {
    const config = await appConfig(fixture, demoApp(fixture));
    const { access_token: token } = await login(fixture, demoApp(fixture), 'alice', OFFLINE);
    const commands = await warmedCommands(async () => assert.equal((await introspect(config, token)).active, true));
    assert.deepEqual(commands, TOKEN_AND_GRANT);
  });

  it('reads the browser session of a token that ends with it (no offline_access) between the two', async () => {
    const app = await opaqueApp('introspection-round-trips-session');
    const config = await appConfig(fixture, app);
    const { access_token: token } = await login(fixture, app, 'alice', 'openid profile');
    const commands = await warmedCommands(async () => assert.equal((await introspect(config, token)).active, true));
    assert.deepEqual(commands, ['find oidc_tokens', 'find oidc_sessions', 'find oidc_grants']);
  });
});

describe('round trips of a userinfo request', () => {
  it('reads the opaque access token and its grant, and nothing else', async () => {
    const app = await opaqueApp('userinfo-round-trips-opaque');
    const config = await appConfig(fixture, app);
    const tokens = await login(fixture, app, 'alice', OFFLINE);
    const sub = tokens.claims()!.sub;
    const commands = await warmedCommands(() => client.fetchUserInfo(config, tokens.access_token, sub));
    assert.deepEqual(commands, TOKEN_AND_GRANT);
  });
});
