// Replay of an authorization code or a refresh token (RFC 9700 §2.1.1, §4.14.2): when many requests race to redeem
// the same one, exactly one wins, and the replay revokes everything issued from it, the winner's tokens included.
// REPLAY_ROUNDS sets the rounds of each race (20 by default; the hardening run measured 1,000).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type * as client from 'openid-client';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import {
  CookieJar,
  redeemCode,
  startLogin,
  submitLoginName,
  submitPassword,
  type LoginFlow,
} from '../helpers/login.ts';
import { demoApp, demoRp, introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const ROUNDS = Number(process.env.REPLAY_ROUNDS ?? 20);
const RACERS = 50;
/** The management API accepts the provider's access tokens naming it in their audience (http/api/authenticate.ts). */
const API_AUDIENCE_SCOPE = 'urn:zitadel:iam:org:project:id:zitadel:aud';

let fixture: OidcFixture;
let config: client.Configuration;
/** One browser session for every round: each authorization still gets a grant of its own (oidc/grants.ts). */
const jar = new CookieJar();
const { demoConfig } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture();
  config = await demoConfig();
});
after(() => fixture.server.stop());

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  error?: string;
}

/** A login flow of the demo RP for Bob that stopped at the redirect URI with a fresh authorization code. */
async function freshCode(): Promise<LoginFlow> {
  let flow = await startLogin({
    baseUrl: fixture.baseUrl,
    ...demoApp(fixture),
    scope: `openid offline_access ${API_AUDIENCE_SCOPE}`,
    jar,
  });
  if (flow.page) flow = await submitLoginName(flow, 'bob');
  if (flow.page) flow = await submitPassword(flow, DEMO_PASSWORD);
  return flow;
}

/** The token request that redeems the flow's code. */
function codeRedemption(flow: LoginFlow): Record<string, string> {
  return {
    grant_type: 'authorization_code',
    code: flow.callbackUrl!.searchParams.get('code')!,
    redirect_uri: flow.redirectUri,
    code_verifier: flow.codeVerifier,
  };
}

/** `RACERS` token requests with the same body, sent at once; the answers, in no particular order. */
async function race(body: Record<string, string>): Promise<{ status: number; body: TokenResponse }[]> {
  const { clientId, clientSecret } = demoApp(fixture);
  const authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  return Promise.all(
    Array.from({ length: RACERS }, async () => {
      const response = await fetch(`${fixture.baseUrl}/oauth/v2/token`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
      });
      return { status: response.status, body: (await response.json()) as TokenResponse };
    }),
  );
}

/** The one winner of a race (asserted: exactly one 200, every other answer `invalid_grant`). */
function winnerOf(round: number, answers: { status: number; body: TokenResponse }[]): TokenResponse {
  const winners = answers.filter((answer) => answer.status === 200);
  const others = answers
    .filter((answer) => answer.status !== 200)
    .map((answer) => `${answer.status} ${answer.body.error}`);
  assert.equal(winners.length, 1, `round ${round}: exactly one winner (others: ${others.join(', ')})`);
  assert.ok(
    others.every((other) => other === '400 invalid_grant'),
    `round ${round}: ${others.join(', ')}`,
  );
  return winners[0]!.body;
}

/** The tokens of `issued` that introspection still calls active, or the management API still accepts. */
async function survivors(issued: TokenResponse): Promise<string[]> {
  const alive: string[] = [];
  if (issued.access_token) {
    const authorization = `Bearer ${issued.access_token}`;
    const { status } = await fetch(`${fixture.baseUrl}/api/v1/orgs`, { headers: { authorization } });
    if (status !== 401) alive.push(`access (management API: ${status})`);
  }
  for (const [name, token] of Object.entries({ access: issued.access_token, refresh: issued.refresh_token }))
    if (token && (await introspect(config, token)).active === true) alive.push(name);
  return alive;
}

describe(`replay detection (${ROUNDS} rounds of ${RACERS} concurrent redemptions each)`, () => {
  it('revokes the winner’s tokens when one authorization code is redeemed concurrently', async () => {
    const survived: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const winner = winnerOf(round, await race(codeRedemption(await freshCode())));
      assert.ok(winner.access_token && winner.refresh_token, 'the winner gets an access and a refresh token');
      const alive = await survivors(winner);
      if (alive.length) survived.push(`round ${round}: ${alive.join(' and ')} token active`);
    }
    assert.deepEqual(survived, [], `${survived.length} of ${ROUNDS} rounds left the winner's tokens active`);
  });

  it('kills the grant when one refresh token is redeemed concurrently', async () => {
    const survived: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const issued = await redeemCode(await freshCode());
      const winner = winnerOf(round, await race({ grant_type: 'refresh_token', refresh_token: issued.refresh_token! }));
      assert.ok(winner.access_token && winner.refresh_token, 'the winner gets a new access and refresh token');
      const alive = [
        ...(await survivors(winner)).map((name) => `new ${name}`),
        ...(await survivors({ access_token: issued.access_token })).map((name) => `first ${name}`),
      ];
      if (alive.length) survived.push(`round ${round}: ${alive.join(' and ')} token active`);
    }
    assert.deepEqual(survived, [], `${survived.length} of ${ROUNDS} rounds left the grant alive`);
  });
});
