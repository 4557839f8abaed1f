// The ID token as ZITADEL shapes it (issue 14 item 5; `createIDToken` in ZITADEL's internal/api/oidc/token.go and
// `NewIDTokenClaims` in zitadel/oidc v3): `aud` is the session audience (every client id of the app's project, the
// project id, the `:aud` projects; the client id appended when missing), `azp` and `client_id` are the client id, and
// `at_hash` hashes the access token issued alongside (OIDC Core 3.1.3.6). openid-client 6 validates each token here:
// with several audiences it requires `azp` to be the client id.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID } from '../../src/domain/setup/demo.ts';
import {
  appConfig,
  createOidcApp,
  demoRp,
  introspect,
  login,
  startOidcFixture,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';

let fixture: OidcFixture;
let opaqueApp: TestApp;
const { demoLogin, demoConfig } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture();
  opaqueApp = await createOidcApp(fixture, fixture.demoProjectId, 'opaque-rp');
});
after(() => fixture.server.stop());

/** OIDC Core 3.1.3.6: the left half of the SHA-256 hash (RS256) of the access token's ASCII value, base64url. */
function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

describe('ID token audience and authorized party', () => {
  it('holds the client ids of the project, the project id and the :aud projects, with azp = client id', async () => {
    const audScope = 'urn:zitadel:iam:org:project:id:zitadel:aud';
    const tokens = await demoLogin('alice', `openid offline_access ${audScope}`);
    const idToken = tokens.claims()!;
    const aud = idToken.aud as string[];
    assert.ok(Array.isArray(aud));
    for (const expected of [DEMO_CLIENT_ID, opaqueApp.clientId, fixture.demoProjectId, fixture.managementProjectId])
      assert.ok(aud.includes(expected), `${expected} in ${JSON.stringify(aud)}`);
    assert.equal(idToken.azp, DEMO_CLIENT_ID);
    assert.equal(idToken.client_id, DEMO_CLIENT_ID);
    assert.deepEqual(
      new Set(aud),
      new Set(decodeJwt(tokens.access_token).aud as string[]),
      'the access token audience',
    );
    assert.equal(decodeProtectedHeader(tokens.id_token!).alg, 'RS256');
    // Introspection answers the same audience; userinfo has none (docs/zitadel-behaviour.md §1.2, §4).
    const config = await demoConfig();
    assert.deepEqual(new Set((await introspect(config, tokens.access_token)).aud as string[]), new Set(aud));
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck);
    assert.equal(userinfo.aud, undefined);

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    const again = refreshed.claims()!;
    assert.deepEqual(new Set(again.aud as string[]), new Set(aud));
    assert.equal(again.azp, DEMO_CLIENT_ID);
    assert.equal(again.at_hash, atHash(refreshed.access_token));
  });

  it('validates with openid-client as a multi-audience token', async () => {
    const tokens = await login(fixture, opaqueApp, 'bob', 'openid profile');
    const idToken = tokens.claims()!;
    assert.ok(Array.isArray(idToken.aud) && idToken.aud.length > 1);
    assert.equal(idToken.azp, opaqueApp.clientId);
    for (const claim of ['iss', 'sub', 'exp', 'iat']) assert.ok(idToken[claim] !== undefined, `${claim} present`);
    assert.equal(idToken.iss, fixture.baseUrl);
    assert.equal(idToken.exp - idToken.iat, 12 * 3600, 'the instance ID token lifetime');
  });
});

describe('ID token at_hash', () => {
  it('hashes the JWT access token issued alongside (demo RP)', async () => {
    const tokens = await demoLogin('alice', 'openid');
    assert.equal(tokens.claims()!.at_hash, atHash(tokens.access_token));
  });

  it('hashes the opaque access token issued alongside', async () => {
    const tokens = await login(fixture, opaqueApp, 'alice', 'openid');
    assert.equal(tokens.access_token.split('.').length, 1, 'opaque');
    assert.equal(tokens.claims()!.at_hash, atHash(tokens.access_token));
  });
});

// ZITADEL's `createIDToken` (internal/api/oidc/token.go) names the session in every ID token of it, whatever the app's
// back-channel logout settings; a refreshed one names the same session.
describe('ID token sid', () => {
  it('is in every ID token of a session, for an app without back-channel logout too, and survives a refresh', async () => {
    const tokens = await login(fixture, opaqueApp, 'alice', 'openid offline_access');
    const { sid } = tokens.claims()!;
    assert.equal(typeof sid, 'string');
    const refreshed = await client.refreshTokenGrant(await appConfig(fixture, opaqueApp), tokens.refresh_token!);
    assert.equal(refreshed.claims()!.sid, sid);
  });
});

describe('ID token hint', () => {
  it('an ID token with several audiences ends its session at end_session', async () => {
    const tokens = await login(fixture, opaqueApp, 'bob', 'openid');
    const config = await appConfig(fixture, opaqueApp);
    const url = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token! });
    const response = await fetch(url, { redirect: 'manual' });
    assert.ok(response.status < 400, `end_session answered ${response.status}: ${await response.clone().text()}`);
    assert.doesNotMatch(await response.text(), /id_token_hint/);
  });

  it('is refused for another client of its audience: it names its own in azp', async () => {
    const tokens = await login(fixture, opaqueApp, 'bob', 'openid');
    assert.ok((tokens.claims()!.aud as string[]).includes(DEMO_CLIENT_ID));
    const url = new URL(`${fixture.baseUrl}/oidc/v1/end_session`);
    url.searchParams.set('id_token_hint', tokens.id_token!);
    url.searchParams.set('client_id', DEMO_CLIENT_ID);
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /client_id does not match/);
  });
});
