import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID, DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { secretHash } from '../../src/platform/crypto.ts';
import { Application, Project, ProjectGrant, User, UserGrant } from '../../src/store/models/index.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { clientConfig } from '../helpers/login.ts';
import {
  appConfig,
  demoApp,
  introspect,
  login,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
} from '../helpers/oidc.ts';
import type { TestServer } from '../helpers/server.ts';

const MACHINE_ID = 'robot-tests';
const MACHINE_SECRET = 'machine-secret-for-tests-0123456789';

let fixture: OidcFixture;
let server: TestServer;
let instanceId: string;
let managementProjectId: string;
let projectId: string;
let orgs: Record<string, string>;

function demoLogin(loginName: string, scope = 'openid profile email offline_access') {
  return login(fixture, demoApp(fixture), loginName, scope);
}

function demoConfig(): Promise<client.Configuration> {
  return appConfig(fixture, demoApp(fixture));
}

function userId(username: string): Promise<string> {
  return userIdOf(fixture, username);
}

before(async () => {
  fixture = await startOidcFixture({
    CASTELLAN_BOOTSTRAP_CLIENT_ID: MACHINE_ID,
    CASTELLAN_BOOTSTRAP_CLIENT_SECRET: MACHINE_SECRET,
  });
  ({ server, instanceId, managementProjectId, orgs, demoProjectId: projectId } = fixture);
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

describe('introspection callers', () => {
  let token: string;
  let outsiderSecret: string;
  let insiderKey: CryptoKey;

  before(async () => {
    token = (await demoLogin('alice')).access_token;
    const hashKey = clientSecretHashKey(server.services.masterKey);
    outsiderSecret = 'outsider-secret-0123456789abcdef';
    const otherProject = await Project.create({ instanceId, orgId: orgs.ACME, name: 'Elsewhere' });
    await Application.create({
      instanceId,
      projectId: otherProject._id,
      orgId: orgs.ACME,
      name: 'Outsider API',
      type: 'api',
      clientId: 'outsider-api',
      clientSecretHash: secretHash(hashKey, outsiderSecret),
      api: { authMethod: 'basic' },
    });
    await Application.create({
      instanceId,
      projectId,
      orgId: orgs.ACME,
      name: 'Insider API post',
      type: 'api',
      clientId: 'insider-post',
      clientSecretHash: secretHash(hashKey, outsiderSecret),
      api: { authMethod: 'basic' },
    });
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    insiderKey = privateKey;
    await Application.create({
      instanceId,
      projectId,
      orgId: orgs.ACME,
      name: 'Insider API',
      type: 'api',
      clientId: 'insider-jwt',
      api: { authMethod: 'private_key_jwt' },
      keys: [{ keyId: 'k1', jwk: await exportJWK(publicKey) }],
    });
  });

  it('answers active:false to a client of another project', async () => {
    const config = await clientConfig(server.config.publicUrl, 'outsider-api', outsiderSecret);
    assert.deepEqual(await introspect(config, token), { active: false });
  });

  it('answers a client of the token’s project authenticating with private_key_jwt, with the roles of its project', async () => {
    const config = await client.discovery(
      new URL(server.config.publicUrl),
      'insider-jwt',
      undefined,
      client.PrivateKeyJwt({ key: insiderKey, kid: 'k1' }),
      { execute: [client.allowInsecureRequests] },
    );
    const result = await introspect(config, token);
    assert.equal(result.active, true);
    assert.deepEqual(result['urn:zitadel:iam:org:project:roles'], { accountant: { [orgs.Beta!]: 'beta.localhost' } });
  });

  it('accepts client_secret_post as well as Basic', async () => {
    const post = await fetch(`${server.config.publicUrl}/oauth/v2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: 'insider-post', client_secret: outsiderSecret }),
    });
    assert.equal(((await post.json()) as { active: boolean }).active, true);
    const basic = await introspect(await clientConfig(server.config.publicUrl, 'insider-post', outsiderSecret), token);
    assert.equal(basic.active, true);
  });
});

describe('client credentials for a machine user (client id = username)', () => {
  it('issues a token whose audience names the management project when asked, and which the machine can introspect', async () => {
    const config = await clientConfig(server.config.publicUrl, MACHINE_ID, MACHINE_SECRET);
    const tokens = await client.clientCredentialsGrant(config, {
      scope: 'urn:zitadel:iam:org:project:id:zitadel:aud urn:iam:org:project:roles',
    });
    const tenant = (await server.services.tenants.byId(instanceId))!;
    const stored = await tenant.provider.ClientCredentials.find(tokens.access_token);
    assert.equal(stored?.clientId, MACHINE_ID);
    assert.deepEqual((stored as unknown as { aud: string[] }).aud, [managementProjectId]);
    assert.equal(tokens.scope, 'urn:zitadel:iam:org:project:id:zitadel:aud', 'the legacy scope is dropped silently');
    const plain = await client.clientCredentialsGrant(config, {});
    const introspection = await introspect(config, plain.access_token);
    assert.equal(introspection.active, true);
    assert.equal(introspection.sub, await userId(MACHINE_ID));
  });

  it('refuses a wrong secret and an inactive machine user', async () => {
    const unauthorized = (error: { status?: number }) => error.status === 401;
    await assert.rejects(
      client.clientCredentialsGrant(await clientConfig(server.config.publicUrl, MACHINE_ID, 'wrong-secret'), {}),
      unauthorized,
    );
    await User.updateOne({ instanceId, username: MACHINE_ID }, { $set: { state: 'inactive' } });
    await assert.rejects(
      client.clientCredentialsGrant(await clientConfig(server.config.publicUrl, MACHINE_ID, MACHINE_SECRET), {}),
      unauthorized,
    );
    await User.updateOne({ instanceId, username: MACHINE_ID }, { $set: { state: 'active' } });
  });
});

describe('demo scenario: roles are read live', () => {
  it('shrinking Beta’s grant to `accountant` removes Bob’s `developer`; deleting it removes both roles from userinfo, introspection and refresh', async () => {
    const config = await demoConfig();
    const alice = await demoLogin('alice');
    const bob = await demoLogin('bob');
    const rolesOf = (claims: Record<string, unknown>) => claims['urn:zitadel:iam:org:project:roles'];

    const grant = await ProjectGrant.findOne({ instanceId, projectId, grantedOrgId: orgs.Beta }).lean();
    await ProjectGrant.updateOne({ _id: grant!._id }, { $set: { roleKeys: ['accountant'] } });
    // The cascade the management API performs: each user grant keeps only roles the project grant still has.
    for (const userGrant of await UserGrant.find({ instanceId, projectGrantId: grant!._id }).lean()) {
      await UserGrant.updateOne(
        { _id: userGrant._id },
        { $set: { roleKeys: userGrant.roleKeys.filter((key) => key === 'accountant') } },
      );
    }
    assert.deepEqual(
      (await UserGrant.find({ instanceId, projectGrantId: grant!._id }).lean()).map((g) => g.roleKeys).sort(),
      [[], ['accountant']],
    );
    assert.equal(rolesOf(await client.fetchUserInfo(config, bob.access_token, client.skipSubjectCheck)), undefined);
    assert.deepEqual(rolesOf(await client.fetchUserInfo(config, alice.access_token, client.skipSubjectCheck)), {
      accountant: { [orgs.Beta!]: 'beta.localhost' },
    });

    await UserGrant.deleteMany({ instanceId, projectGrantId: grant!._id });
    await ProjectGrant.deleteOne({ _id: grant!._id });
    assert.equal(rolesOf(await client.fetchUserInfo(config, alice.access_token, client.skipSubjectCheck)), undefined);
    assert.equal(rolesOf(await introspect(config, alice.access_token)), undefined);
    const refreshed = await client.refreshTokenGrant(config, alice.refresh_token!);
    assert.equal(rolesOf(refreshed.claims()!), undefined);
    assert.equal(rolesOf(decodeJwt(refreshed.access_token)), undefined);
  });
});

describe('reserved scopes through the code flow', () => {
  async function authorizeRedirect(scope: string): Promise<URL> {
    const config = await demoConfig();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${server.config.publicUrl}/demo/callback`,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 's',
    });
    const response = await fetch(url, { redirect: 'manual' });
    return new URL(response.headers.get('location')!, server.config.publicUrl);
  }

  it('rejects an unknown org with invalid_request and two different orgs with invalid_scope, redirected to the client', async () => {
    const unknown = await authorizeRedirect('openid urn:zitadel:iam:org:id:999999');
    assert.equal(unknown.pathname, '/demo/callback');
    assert.equal(unknown.searchParams.get('error'), 'invalid_request');
    assert.equal(unknown.searchParams.get('error_description'), 'Organisation not found');
    const two = await authorizeRedirect(
      `openid urn:zitadel:iam:org:id:${orgs.Alpha} urn:zitadel:iam:org:domain:primary:beta.localhost`,
    );
    assert.equal(two.searchParams.get('error'), 'invalid_scope');
    const same = await authorizeRedirect(
      `openid urn:zitadel:iam:org:id:${orgs.Alpha} urn:zitadel:iam:org:domain:primary:alpha.localhost`,
    );
    assert.match(same.pathname, /^\/ui\/login\//, 'the same org twice is fine');
  });

  it('emits org, resource-owner and metadata claims exactly, and the management project in the audience', async () => {
    await User.updateOne(
      { instanceId, username: 'alice' },
      { $set: { metadata: [{ key: 'tier', value: Buffer.from('gold') }] } },
    );
    const scope = `openid urn:zitadel:iam:org:id:${orgs.Alpha} urn:zitadel:iam:org:domain:primary:alpha.localhost urn:zitadel:iam:user:metadata urn:zitadel:iam:org:project:id:zitadel:aud urn:iam:org:project:roles`;
    const tokens = await demoLogin('alice', scope);
    const claims = tokens.claims()!;
    const reserved = Object.fromEntries(
      Object.entries(claims).filter(([name]) => name.startsWith('urn:zitadel:iam:') && !name.endsWith(':roles')),
    );
    assert.deepEqual(reserved, {
      'urn:zitadel:iam:org:id': orgs.Alpha,
      'urn:zitadel:iam:org:domain:primary': 'alpha.localhost',
      'urn:zitadel:iam:user:resourceowner:id': orgs.Alpha,
      'urn:zitadel:iam:user:resourceowner:name': 'Alpha',
      'urn:zitadel:iam:user:resourceowner:primary_domain': 'alpha.localhost',
      'urn:zitadel:iam:user:metadata': { tier: Buffer.from('gold').toString('base64url') },
    });
    const tenant = (await server.services.tenants.byId(instanceId))!;
    const stored = await tenant.provider.AccessToken.find(tokens.access_token);
    assert.ok(
      (stored as unknown as { aud: string[] }).aud.includes(managementProjectId),
      'zitadel:aud names the management project',
    );
    assert.ok(!tokens.scope?.includes('urn:iam:'), 'legacy scopes are dropped silently');
  });
});
