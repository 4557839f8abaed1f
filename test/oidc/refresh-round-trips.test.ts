// The database round trips of one refresh-token grant (the round-trip budget in bench/README.md), counted with the
// driver's command monitoring (on when METRICS_TOKEN is set, src/store/database/connection.ts). Only the commands
// made on behalf of the request are counted: the pollers' (outbox, webhooks, cache revisions) run outside it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CommandStartedEvent } from 'mongodb';
import mongoose from 'mongoose';
import Provider from 'oidc-provider';
import * as client from 'openid-client';
import { demoRp, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

let fixture: OidcFixture;
const { demoLogin, demoConfig } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture({ METRICS_TOKEN: 'round-trips-test-metrics-token' });
});
after(() => fixture.server.stop());

/** `command collection` of every database command the provider's requests make while `work` runs. */
async function commandsOf(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const record = (event: CommandStartedEvent) => {
    if (Provider.ctx) seen.push(`${event.commandName} ${String(event.command[event.commandName])}`);
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

describe('round trips of a refresh-token grant', () => {
  it('reads the refresh token and its grant once, and inserts the new tokens only', async () => {
    const config = await demoConfig();
    // The first refresh fills the per-instance caches (client, account, role grants) as a running server has them.
    const first = await client.refreshTokenGrant(config, (await demoLogin('alice')).refresh_token!);
    const commands = await commandsOf(() => client.refreshTokenGrant(config, first.refresh_token!));
    assert.deepEqual(
      commands,
      ['find oidc_tokens', 'find oidc_grants', 'insert oidc_tokens', 'insert oidc_tokens'],
      'the refresh token, its grant, then the successor and the access token through the group commit',
    );
  });
});
