// Token exchange (RFC 8693) as ZITADEL implements it (src/oidc/grants/token-exchange.ts): off by default (then
// unsupported and not advertised); a subject's own token exchanged for a narrower one, of the type asked for, usable
// at userinfo and introspection; never a wider audience or more scopes (GHSA-vrh8-c9cm-wh8v). Impersonation:
// test/oidc/token-exchange-impersonation.test.ts; foreign and invalid input tokens: token-exchange-inputs.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import * as client from 'openid-client';
import {
  appConfig,
  createOidcApp,
  introspect,
  login,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';
import {
  changeSettings,
  exchange,
  exchangeEvents,
  refusal,
  TOKEN_EXCHANGE,
  TOKEN_TYPE,
} from '../helpers/token-exchange.ts';

let fixture: OidcFixture;
let app: TestApp;
let config: client.Configuration;
let aliceId: string;
const AUD_SCOPE = (projectId: string) => `urn:zitadel:iam:org:project:id:${projectId}:aud`;

before(async () => {
  fixture = await startOidcFixture();
  app = await createOidcApp(fixture, fixture.demoProjectId, 'exchanger', {
    grantTypes: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE],
  });
  config = await appConfig(fixture, app);
  aliceId = await userIdOf(fixture, 'alice');
});
after(() => fixture.server.stop());

async function discoveredGrants(): Promise<string[]> {
  const response = await fetch(`${fixture.baseUrl}/.well-known/openid-configuration`);
  return ((await response.json()) as { grant_types_supported: string[] }).grant_types_supported;
}

const aliceLogin = (scope = `openid profile email ${AUD_SCOPE('zitadel')}`) => login(fixture, app, 'alice', scope);

describe('behind the instance feature', () => {
  it('is unsupported and not advertised while features.tokenExchange is off (the default), and both once on', async () => {
    const alice = await aliceLogin();
    const subject = { subject_token: alice.access_token, subject_token_type: TOKEN_TYPE.accessToken };
    assert.equal((await discoveredGrants()).includes(TOKEN_EXCHANGE), false);
    const off = await refusal(config, subject);
    assert.deepEqual([off.status, off.error], [400, 'unsupported_grant_type']);

    await changeSettings(fixture.instanceId, { features: { tokenExchange: true } });
    assert.equal((await discoveredGrants()).includes(TOKEN_EXCHANGE), true);
    assert.equal((await exchange(config, subject)).issued_token_type, TOKEN_TYPE.accessToken);

    await changeSettings(fixture.instanceId, { features: { tokenExchange: false } });
    assert.equal((await refusal(config, subject)).error, 'unsupported_grant_type');
    assert.equal((await discoveredGrants()).includes(TOKEN_EXCHANGE), false);
  });
});

describe('exchanging a subject’s own token', () => {
  before(() => changeSettings(fixture.instanceId, { features: { tokenExchange: true } }));

  it('keeps the user, scope and audience by default; narrows both on request; works at userinfo and introspection', async () => {
    const alice = await aliceLogin();
    const original = await introspect(config, alice.access_token);
    const same = await exchange(config, {
      subject_token: alice.access_token,
      subject_token_type: TOKEN_TYPE.accessToken,
    });
    assert.equal(same.token_type, 'bearer');
    assert.equal(same.scope, original.scope);
    const sameClaims = await introspect(config, same.access_token);
    assert.deepEqual([sameClaims.sub, sameClaims.aud, sameClaims.act], [aliceId, original.aud, undefined]);
    // ZITADEL adds an ID token when `openid` is granted.
    assert.equal(same.claims()?.sub, aliceId);

    const narrow = await exchange(config, {
      subject_token: alice.access_token,
      subject_token_type: TOKEN_TYPE.accessToken,
      scope: 'openid email',
      audience: fixture.demoProjectId,
    });
    assert.equal(narrow.scope, 'openid email');
    const claims = await introspect(config, narrow.access_token);
    assert.deepEqual(claims.aud, [fixture.demoProjectId]);
    assert.equal(claims.scope, 'openid email');
    assert.equal(claims.email, 'alice@alpha.localhost');
    assert.equal(claims.given_name, undefined);
    const userinfo = await client.fetchUserInfo(config, narrow.access_token, aliceId);
    assert.deepEqual([userinfo.sub, userinfo.email, userinfo.name], [aliceId, 'alice@alpha.localhost', undefined]);
  });

  it('never widens: a scope or an audience the subject token lacks is refused, and so is a resource', async () => {
    const alice = await aliceLogin('openid email');
    const subject = { subject_token: alice.access_token, subject_token_type: TOKEN_TYPE.accessToken };
    const scope = await refusal(config, { ...subject, scope: 'openid email profile' });
    assert.deepEqual([scope.status, scope.error], [400, 'invalid_scope']);
    const role = await refusal(config, { ...subject, scope: `openid ${AUD_SCOPE(fixture.managementProjectId)}` });
    assert.equal(role.error, 'invalid_scope');
    const audience = await refusal(config, {
      ...subject,
      audience: [fixture.demoProjectId, fixture.managementProjectId],
    });
    assert.deepEqual([audience.status, audience.error], [400, 'invalid_target']);
    const resource = await refusal(config, { ...subject, resource: 'https://api.example' });
    assert.equal(resource.error, 'invalid_target');
    // Nor does an exchanged token widen again what it was narrowed to.
    const narrowed = await exchange(config, { ...subject, scope: 'openid', audience: fixture.demoProjectId });
    const again = { subject_token: narrowed.access_token, subject_token_type: TOKEN_TYPE.accessToken };
    assert.equal((await refusal(config, { ...again, scope: 'openid email' })).error, 'invalid_scope');
    assert.equal((await refusal(config, { ...again, audience: app.clientId })).error, 'invalid_target');
  });

  it('issues a JWT access token signed by the instance, or an ID token (token_type N_A), as asked', async () => {
    const alice = await aliceLogin();
    const subject = { subject_token: alice.access_token, subject_token_type: TOKEN_TYPE.accessToken };
    const jwt = await exchange(config, { ...subject, requested_token_type: TOKEN_TYPE.jwt, scope: 'openid email' });
    assert.equal(jwt.issued_token_type, TOKEN_TYPE.jwt);
    // The ID token issued with it carries at_hash as OIDC Core 3.1.3.6 defines it, never the access token itself.
    const digest = createHash('sha256').update(jwt.access_token).digest();
    const atHash = digest.subarray(0, 16).toString('base64url');
    assert.equal(decodeJwt(jwt.id_token!).at_hash, atHash);
    const keys = createRemoteJWKSet(new URL(`${fixture.baseUrl}/oauth/v2/keys`));
    const { payload } = await jwtVerify(jwt.access_token, keys, { issuer: fixture.baseUrl });
    assert.equal(payload.sub, aliceId);
    assert.equal((await introspect(config, jwt.access_token)).sub, aliceId);
    assert.equal((await client.fetchUserInfo(config, jwt.access_token, aliceId)).email, 'alice@alpha.localhost');

    const idToken = await exchange(config, { ...subject, requested_token_type: TOKEN_TYPE.idToken });
    assert.deepEqual([idToken.issued_token_type, idToken.token_type], [TOKEN_TYPE.idToken, 'n_a']);
    const claims = decodeJwt(idToken.access_token);
    assert.deepEqual([claims.sub, claims.iss, claims.azp], [aliceId, fixture.baseUrl, app.clientId]);
    assert.equal(idToken.id_token, undefined);
    // Its aud is the exchange's audience, by default the subject token's, with the client (ZITADEL `createIDToken`).
    const subjectTokenAudience = (await introspect(config, alice.access_token)).aud as string[];
    assert.ok(subjectTokenAudience.includes(app.clientId));
    assert.deepEqual(new Set(claims.aud as string[]), new Set(subjectTokenAudience));
    const narrowed = await exchange(config, {
      ...subject,
      requested_token_type: TOKEN_TYPE.idToken,
      audience: fixture.demoProjectId,
    });
    assert.deepEqual(decodeJwt(narrowed.access_token).aud, [fixture.demoProjectId, app.clientId]);
    const withAccessToken = await exchange(config, { ...subject, scope: 'openid', audience: fixture.demoProjectId });
    assert.deepEqual(decodeJwt(withAccessToken.id_token!).aud, [fixture.demoProjectId, app.clientId]);

    // An ID token is itself a subject token: exchanged for an access token without scopes (it carries none), with the
    // ID token's audience (ZITADEL's: the project's client ids, the project id, the client id).
    const fromIdToken = await exchange(config, {
      subject_token: alice.id_token!,
      subject_token_type: TOKEN_TYPE.idToken,
    });
    const introspected = await introspect(config, fromIdToken.access_token);
    const subjectAudience = decodeJwt(alice.id_token!).aud as string[];
    assert.ok(subjectAudience.includes(app.clientId));
    assert.deepEqual(
      [introspected.sub, [...(introspected.aud as string[])].sort()],
      [aliceId, [...subjectAudience].sort()],
    );
    const unknownType = await refusal(config, { ...subject, requested_token_type: TOKEN_TYPE.refreshToken });
    assert.equal(unknownType.error, 'invalid_request');
  });

  it('records every exchange in the audit trail, on the subject, by the subject, with the client', async () => {
    const alice = await aliceLogin();
    const before = (await exchangeEvents(fixture.instanceId, aliceId)).length;
    await exchange(config, {
      subject_token: alice.access_token,
      subject_token_type: TOKEN_TYPE.accessToken,
      scope: 'openid',
    });
    const events = await exchangeEvents(fixture.instanceId, aliceId);
    assert.equal(events.length, before + 1);
    const event = events.at(-1)!;
    assert.deepEqual([event.type, event.actorId, event.resourceId], ['user.token.exchanged', aliceId, aliceId]);
    const payload = event.payload as Record<string, unknown>;
    assert.deepEqual(payload.scope, ['openid']);
    assert.equal(payload.clientId, app.clientId);
    assert.equal(payload.issuedTokenType, TOKEN_TYPE.accessToken);
  });
});
