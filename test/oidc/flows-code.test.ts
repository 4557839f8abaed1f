// The code flow with PKCE as the demo RP (demo scenario: roles asserted everywhere, JWT access tokens):
// claims in every token, refresh rotation, single redemption of codes, revocation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { demoApp, demoRp, introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import type { TestServer } from '../helpers/server.ts';

let fixture: OidcFixture;
let server: TestServer;
let projectId: string;
let orgs: Record<string, string>;
const { demoLogin, demoConfig, userId } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture();
  ({ server, orgs, demoProjectId: projectId } = fixture);
});
after(() => server.stop());

describe('code flow with PKCE (demo scenario: demo-rp, roles asserted everywhere, JWT access tokens)', () => {
  it('gives Alice `accountant` keyed by Beta’s org id and primary domain, in the ID token, JWT access token, userinfo and introspection', async () => {
    const tokens = await demoLogin('alice');
    const alice = await userId('alice');
    const roles = { accountant: { [orgs.Beta!]: 'beta.localhost' } };
    const idToken = tokens.claims()!;
    assert.equal(idToken.sub, alice);
    assert.deepEqual(idToken['urn:zitadel:iam:org:project:roles'], roles);
    assert.deepEqual(idToken[`urn:zitadel:iam:org:project:${projectId}:roles`], roles);
    assert.deepEqual(idToken.roles, ['accountant']);
    assert.equal(
      idToken.preferred_username,
      'alice@alpha.localhost',
      'idTokenUserinfoAssertion puts profile claims into the ID token',
    );

    const jwks = createRemoteJWKSet(new URL(`${server.config.publicUrl}/oauth/v2/keys`));
    const { payload: access } = await jwtVerify(tokens.access_token, jwks, { issuer: server.config.publicUrl });
    assert.equal(access.sub, alice);
    assert.equal(access.client_id, DEMO_CLIENT_ID);
    assert.deepEqual(access['urn:zitadel:iam:org:project:roles'], roles);
    assert.ok(
      (access.aud as string[]).includes(DEMO_CLIENT_ID) && (access.aud as string[]).includes(projectId),
      'audience = project client ids + project id',
    );
    assert.equal(access.email, undefined, 'no profile claims in JWT access tokens');

    const config = await demoConfig();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, alice);
    assert.deepEqual(userinfo['urn:zitadel:iam:org:project:roles'], roles);
    assert.equal(userinfo.email, 'alice@alpha.localhost');

    const introspection = await introspect(config, tokens.access_token);
    assert.equal(introspection.active, true);
    assert.equal(introspection.sub, alice);
    assert.deepEqual(introspection['urn:zitadel:iam:org:project:roles'], roles);
  });

  it('gives Bob `developer` from Beta', async () => {
    const tokens = await demoLogin('bob');
    assert.deepEqual(tokens.claims()!['urn:zitadel:iam:org:project:roles'], {
      developer: { [orgs.Beta!]: 'beta.localhost' },
    });
  });

  it('rotates refresh tokens, and reusing a rotated one revokes the grant', async () => {
    const tokens = await demoLogin('alice');
    const config = await demoConfig();
    assert.ok(tokens.refresh_token);
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token, 'a new refresh token');
    await assert.rejects(
      client.refreshTokenGrant(config, tokens.refresh_token),
      (error: client.ResponseBodyError) => error.error === 'invalid_grant',
    );
    await assert.rejects(
      client.refreshTokenGrant(config, refreshed.refresh_token),
      (error: client.ResponseBodyError) => error.error === 'invalid_grant',
      'the whole grant is revoked',
    );
    assert.equal((await introspect(config, refreshed.access_token)).active, false);
  });

  it('redeems a code at most once when many requests race for it', async () => {
    for (let round = 0; round < 5; round++) {
      const { startLogin, submitLoginName, submitPassword } = await import('../helpers/login.ts');
      let flow = await startLogin({
        baseUrl: server.config.publicUrl,
        ...demoApp(fixture),
        scope: 'openid offline_access',
      });
      flow = await submitPassword(await submitLoginName(flow, 'bob'), DEMO_PASSWORD);
      const code = flow.callbackUrl!.searchParams.get('code')!;
      const basic = `Basic ${Buffer.from(`${DEMO_CLIENT_ID}:${fixture.demoClientSecret}`).toString('base64')}`;
      const responses = await Promise.all(
        Array.from({ length: 12 }, () =>
          fetch(`${server.config.publicUrl}/oauth/v2/token`, {
            method: 'POST',
            headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({
              grant_type: 'authorization_code',
              code,
              redirect_uri: flow.redirectUri,
              code_verifier: flow.codeVerifier,
            }),
          }),
        ),
      );
      const statuses = responses.map((response) => response.status);
      assert.equal(
        statuses.filter((status) => status === 200).length,
        1,
        `round ${round}: exactly one redemption, got ${statuses.join(',')}`,
      );
      assert.ok(
        statuses.every((status) => status === 200 || status === 400),
        `no server errors: ${statuses.join(',')}`,
      );
      const bodies = await Promise.all(
        responses.map((response) => response.json() as Promise<{ refresh_token?: string; error?: string }>),
      );
      const refreshToken = bodies.find((body) => body.refresh_token)!.refresh_token!;
      const config = await demoConfig();
      const refreshes = await Promise.all(
        Array.from({ length: 12 }, () =>
          client.refreshTokenGrant(config, refreshToken).then(
            () => 'ok',
            (error: client.ResponseBodyError) => error.error,
          ),
        ),
      );
      assert.ok(
        refreshes.filter((result) => result === 'ok').length <= 1,
        `round ${round}: a refresh token redeemed at most once (${refreshes.join(',')})`,
      );
      assert.ok(
        refreshes.every((result) => result === 'ok' || result === 'invalid_grant'),
        refreshes.join(','),
      );
    }
  });

  it('revokes access tokens (JWTs included) and refresh tokens', async () => {
    const tokens = await demoLogin('bob');
    const config = await demoConfig();
    await client.tokenRevocation(config, tokens.access_token);
    assert.equal((await introspect(config, tokens.access_token)).active, false);
    await assert.rejects(client.fetchUserInfo(config, tokens.access_token, client.skipSubjectCheck));
    await client.tokenRevocation(config, tokens.refresh_token!);
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!));
  });
});
