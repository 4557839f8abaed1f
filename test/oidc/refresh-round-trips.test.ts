// The database round trips of one refresh-token grant (the round-trip budget in bench/README.md), counted with the
// driver's command monitoring (on when METRICS_TOKEN is set, src/store/database/connection.ts). Only the commands
// made on behalf of the request are counted: the pollers' (outbox, webhooks, cache revisions) run outside it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import * as client from 'openid-client';
import {
  appConfig,
  createOidcApp,
  demoApp,
  login,
  startOidcFixture,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';
import { commandAndCollection, commandsDuring, type CommandLabel } from '../helpers/database-commands.ts';

const SCOPE = 'openid profile email offline_access';
let fixture: OidcFixture;

before(async () => {
  fixture = await startOidcFixture({ METRICS_TOKEN: 'round-trips-test-metrics-token' });
});
after(() => fixture.server.stop());

/** `command collection` of every database command the provider's requests make while `work` runs. */
async function commandsOf(work: () => Promise<unknown>): Promise<string[]> {
  const ofProvider: CommandLabel = (event, collection) =>
    Provider.ctx ? commandAndCollection(event, collection) : undefined;
  return (await commandsDuring(work, ofProvider)).commands;
}

/** The commands of a refresh (after a first one, which fills the per-instance caches as a running server has them). */
async function refreshCommands(app: TestApp): Promise<string[]> {
  const config = await appConfig(fixture, app);
  const first = await client.refreshTokenGrant(config, (await login(fixture, app, 'alice', SCOPE)).refresh_token!);
  return commandsOf(() => client.refreshTokenGrant(config, first.refresh_token!));
}

describe('round trips of a refresh-token grant', () => {
  it('reads the refresh token and its grant once, and inserts the successor and the access token together', async () => {
    const app = await createOidcApp(fixture, fixture.demoProjectId, 'round-trips-opaque', {
      accessTokenType: 'bearer',
    });
    assert.deepEqual(await refreshCommands(app), ['find oidc_tokens', 'find oidc_grants', 'insert oidc_tokens']);
  });

  it('inserts a JWT access token on its own, once it is signed', async () => {
    assert.deepEqual(await refreshCommands(demoApp(fixture)), [
      'find oidc_tokens',
      'find oidc_grants',
      'insert oidc_tokens',
      'insert oidc_tokens',
    ]);
  });
});
