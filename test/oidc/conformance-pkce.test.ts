// PKCE (RFC 7636) as the conformance suite's clients meet it: a confidential client may omit it (its secret and the
// nonce protect the code), a public client may not, and an app or the whole instance can require it of every client
// (RFC 9700 §2.1.1). When used, only S256.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { Application } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { authorize, callbackError, redeem, signIn, type AuthorizationRequest } from '../helpers/conformance.ts';
import { CookieJar } from '../helpers/login.ts';
import { appConfig, createOidcApp, startOidcFixture, type OidcFixture, type TestApp } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let admin: string;
let confidential: TestApp;
let spa: TestApp;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
  confidential = await createOidcApp(fixture, fixture.demoProjectId, 'pkce-confidential');
  spa = await createOidcApp(fixture, fixture.demoProjectId, 'pkce-spa', { authMethod: 'none', appType: 'user_agent' });
});
after(() => fixture.server.stop());

async function request(app: TestApp, params: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const config = await appConfig(fixture, app);
  return { baseUrl: fixture.baseUrl, app, config, jar: new CookieJar(), params: { scope: 'openid', ...params } };
}

/** The authorization request's outcome: the error sent to the redirect URI, or 'login' when the login page shows. */
async function outcome(app: TestApp, params: Record<string, string> = {}): Promise<string | null> {
  const flow = await authorize(await request(app, params));
  return flow.page ? 'login' : callbackError(flow);
}

async function withChallenge(): Promise<{ verifier: string; params: Record<string, string> }> {
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  return { verifier, params: { code_challenge: challenge, code_challenge_method: 'S256' } };
}

describe('PKCE by default', () => {
  it('a confidential client without PKCE logs in', async () => {
    const login = await request(confidential);
    const tokens = await redeem(login.config, await signIn(await authorize(login), 'alice'));
    assert.ok(tokens.id_token);
  });

  it('a public client without PKCE is refused with invalid_request', async () => {
    assert.equal(await outcome(spa), 'invalid_request');
  });

  it('a public client with PKCE S256 logs in; the code needs the verifier', async () => {
    const { verifier, params } = await withChallenge();
    const login = await request(spa, params);
    const flow = await signIn(await authorize(login), 'alice');
    await assert.rejects(
      redeem(login.config, flow),
      (error: client.ResponseBodyError) => error.error === 'invalid_grant',
    );
    const second = await signIn(await authorize(login), 'alice');
    assert.ok((await redeem(login.config, second, { pkceCodeVerifier: verifier })).access_token);
  });

  it('the plain method is refused, for every client', async () => {
    const plain = { code_challenge: client.randomPKCECodeVerifier(), code_challenge_method: 'plain' };
    assert.equal(await outcome(confidential, plain), 'invalid_request');
    assert.equal(await outcome(spa, plain), 'invalid_request');
  });
});

describe('PKCE required by setting', () => {
  it("the app's requirePkce (management API) refuses a confidential client without PKCE", async () => {
    const app = await createOidcApp(fixture, fixture.demoProjectId, 'pkce-required-app');
    const stored = await Application.findOne({ clientId: app.clientId }).lean();
    const path = `/projects/${stored!.projectId}/apps/${stored!._id}`;
    const changed = await call(fixture.server, admin, 'PATCH', path, { requirePkce: true });
    assert.equal(changed.status, 200);
    assert.equal((changed.body.oidc as { requirePkce: boolean }).requirePkce, true);
    assert.equal(await outcome(app), 'invalid_request');
    assert.equal(await outcome(app, (await withChallenge()).params), 'login');
    assert.equal(await outcome(confidential), 'login', 'other apps are not concerned');
    await call(fixture.server, admin, 'PATCH', path, { requirePkce: false });
    assert.equal(await outcome(app), 'login');
  });

  it("the instance's requirePkceForAllClients refuses every client without PKCE, at once", async () => {
    const setting = (value: boolean) =>
      call(fixture.server, admin, 'PATCH', '/instance/settings', { oidc: { requirePkceForAllClients: value } });
    assert.equal(await outcome(confidential), 'login');
    assert.equal((await setting(true)).status, 200);
    try {
      assert.equal(await outcome(confidential), 'invalid_request');
      assert.equal(await outcome(confidential, (await withChallenge()).params), 'login');
    } finally {
      await setting(false);
    }
    assert.equal(await outcome(confidential), 'login');
  });
});
