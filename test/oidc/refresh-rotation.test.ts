// Refresh-token rotation by the successor's insert (src/oidc/refresh-rotation.ts): a used token reads as used
// everywhere, any replay of one in the chain kills the grant (RFC 9700 §4.14.2), and a used token's successor is
// kept as long as the used token could be presented. Concurrent replays: test/oidc/replay.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { Project } from '../../src/store/models/index.ts';
import { oidcPayloadModel } from '../../src/store/models/oidc-payload.ts';
import {
  appConfig,
  createOidcApp,
  createProject,
  demoRp,
  introspect,
  login,
  startOidcFixture,
  type OidcFixture,
} from '../helpers/oidc.ts';

let fixture: OidcFixture;
let config: client.Configuration;
const { demoLogin, demoConfig } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture();
  config = await demoConfig();
});
after(() => fixture.server.stop());

const refresh = (token: string) => client.refreshTokenGrant(config, token);
const isInvalidGrant = (error: client.ResponseBodyError) => error.error === 'invalid_grant';

/** The stored record of a refresh token (by its value): until when it is kept, and when the token expires. */
async function storedToken(token: string): Promise<{ keptUntil: number; expires: number }> {
  const stored = await oidcPayloadModel('RefreshToken').findById(`${fixture.instanceId}:${token}`).lean();
  assert.ok(stored?.expiresAt, 'the refresh token is stored');
  return { keptUntil: stored.expiresAt.getTime(), expires: (JSON.parse(stored.payload) as { exp: number }).exp * 1000 };
}

describe('refresh-token rotation', () => {
  it('shows a used refresh token as inactive to introspection, and its successor as active', async () => {
    const first = await demoLogin('alice');
    const second = await refresh(first.refresh_token!);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal((await introspect(config, first.refresh_token!)).active, false, 'the used token');
    assert.equal((await introspect(config, second.refresh_token!)).active, true, 'its successor');
  });

  it('revokes the whole chain when a token used two rotations ago comes back', async () => {
    const first = await demoLogin('bob');
    const second = await refresh(first.refresh_token!);
    const third = await refresh(second.refresh_token!);
    await assert.rejects(refresh(first.refresh_token!), isInvalidGrant);
    await assert.rejects(refresh(third.refresh_token!), isInvalidGrant, 'the latest refresh token is revoked');
    assert.equal((await introspect(config, third.access_token)).active, false, 'and the latest access token');
  });

  it('has one winner, and leaves no live token of the grant, when one refresh token is redeemed concurrently', async () => {
    const issued = await demoLogin('alice');
    const stored = await oidcPayloadModel('RefreshToken').findById(`${fixture.instanceId}:${issued.refresh_token}`);
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => refresh(issued.refresh_token!)));
    const winners = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    assert.equal(winners.length, 1, 'one winner');
    // The losers' access tokens (JWTs, inserted after the successor's insert told them they lost) are removed too.
    // The winner's may be stored after a loser revoked the grant (it is inserted once signed, after its successor):
    // it may stay stored, but it is dead, since the provider finds no grant for it.
    const winnerRecord = `${fixture.instanceId}:${JSON.parse(atob(winners[0]!.access_token.split('.')[1]!)).jti}`;
    const left = await oidcPayloadModel('AccessToken').find({ grantId: stored!.grantId }, { kind: 1 }).lean();
    assert.deepEqual(
      left.filter((token) => !token.kind?.endsWith(':revoked') && token._id !== winnerRecord),
      [],
      'revoked refresh tokens keep their ids (a successor id freed could be inserted by a late racer), nothing else',
    );
    assert.equal((await introspect(config, winners[0]!.access_token)).active, false, "the winner's access token");
    await assert.rejects(refresh(winners[0]!.refresh_token!), isInvalidGrant, "the winner's refresh token");
  });

  it('keeps a successor at least as long as the token it replaced, even after the idle lifetime was shortened', async () => {
    const projectId = await createProject(fixture, 'Shortened idle', {
      orgId: fixture.orgs.ACME!,
      roles: [],
      tokenLifetimes: { refreshTokenIdleSeconds: 7200 },
    });
    const app = await createOidcApp(fixture, projectId, 'shortened-idle-rp');
    const appClient = await appConfig(fixture, app);
    const first = await login(fixture, app, 'alice', 'openid offline_access');
    await Project.updateOne({ _id: projectId }, { $set: { 'tokenLifetimes.refreshTokenIdleSeconds': 60 } });
    const second = await client.refreshTokenGrant(appClient, first.refresh_token!);
    const secondLifetime = await introspect(appClient, second.refresh_token!);
    assert.equal((secondLifetime.exp as number) - (secondLifetime.iat as number), 60, 'the new idle lifetime applies');
    assert.ok(
      (await storedToken(second.refresh_token!)).keptUntil >= (await storedToken(first.refresh_token!)).expires,
      'the successor is kept while its predecessor could still be presented',
    );
    await assert.rejects(client.refreshTokenGrant(appClient, first.refresh_token!), isInvalidGrant);
  });
});
