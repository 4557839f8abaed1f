// Every assertion switch, off and on, end to end: which claims reach the ID token, the JWT access token, userinfo and
// introspection (docs/zitadel-behaviour.md §2.5, §3). Claim JSON is compared exactly, protocol claims aside.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { Project, User, UserGrant } from '../../src/store/models/index.ts';
import {
  appConfig,
  createOidcApp,
  createProject,
  customClaims,
  introspect,
  login,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type OidcSettings,
  type TestApp,
} from '../helpers/oidc.ts';

const ROLE_SCOPES = 'urn:zitadel:iam:org:project:role:reader urn:zitadel:iam:org:project:role:writer';
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

let fixture: OidcFixture;
let alice: string;
/** Projects without and with projectRoleAssertion; Alice holds reader and writer on both, granted by ACME. */
let plainProject: string;
let assertingProject: string;
let aliceProfile: Record<string, unknown>;
const apps: Record<string, TestApp> = {};

function rolesOf(projectId: string, keys: string[]): Record<string, unknown> {
  const roles = Object.fromEntries(keys.map((key) => [key, { [fixture.orgs.ACME!]: 'acme.localhost' }]));
  return { 'urn:zitadel:iam:org:project:roles': roles, [`urn:zitadel:iam:org:project:${projectId}:roles`]: roles };
}

async function verifyJwt(token: string): Promise<Record<string, unknown>> {
  const jwks = createRemoteJWKSet(new URL(`${fixture.baseUrl}/oauth/v2/keys`));
  return (await jwtVerify(token, jwks, { issuer: fixture.baseUrl })).payload;
}

before(async () => {
  fixture = await startOidcFixture();
  const acme = fixture.orgs.ACME!;
  alice = await userIdOf(fixture, 'alice');
  plainProject = await createProject(fixture, 'Assertions off', { orgId: acme, roles: ['reader', 'writer'] });
  assertingProject = await createProject(fixture, 'Assertions on', {
    orgId: acme,
    roles: ['reader', 'writer'],
    projectRoleAssertion: true,
  });
  for (const projectId of [plainProject, assertingProject]) {
    await UserGrant.create({
      instanceId: fixture.instanceId,
      userId: alice,
      userOrgId: fixture.orgs.Alpha,
      orgId: acme,
      projectId,
      roleKeys: ['reader', 'writer'],
    });
  }
  const allOn: OidcSettings = {
    idTokenRoleAssertion: true,
    accessTokenRoleAssertion: true,
    idTokenUserinfoAssertion: true,
    accessTokenType: 'jwt',
  };
  apps.off = await createOidcApp(fixture, plainProject, 'switches-off');
  apps.on = await createOidcApp(fixture, plainProject, 'switches-on', allOn);
  apps.quietJwt = await createOidcApp(fixture, plainProject, 'quiet-jwt', {
    accessTokenType: 'jwt',
    idTokenRoleAssertion: true,
  });
  apps.asserted = await createOidcApp(fixture, assertingProject, 'asserted-off');
  apps.flat = await createOidcApp(fixture, assertingProject, 'asserted-flat', { ...allOn, flatRolesClaim: true });
  const user = await User.findById(alice).lean();
  aliceProfile = {
    name: 'Alice Alpha',
    given_name: 'Alice',
    family_name: 'Alpha',
    preferred_username: 'alice@alpha.localhost',
    updated_at: Math.floor(user!.updatedAt.getTime() / 1000),
    email: 'alice@alpha.localhost',
    email_verified: true,
  };
});
after(() => fixture.server.stop());

describe('application switches off', () => {
  it('the ID token has no profile, email or role claims (not even preferred_username); the access token is opaque', async () => {
    const tokens = await login(fixture, apps.off!, 'alice', `openid profile email ${ROLE_SCOPES}`);
    assert.deepEqual(customClaims(tokens.claims()!), {});
    assert.doesNotMatch(tokens.access_token, JWT_SHAPE);
  });

  it('userinfo and introspection still carry the scoped profile and the roles', async () => {
    const tokens = await login(fixture, apps.off!, 'alice', `openid profile email ${ROLE_SCOPES}`);
    const config = await appConfig(fixture, apps.off!);
    assert.deepEqual(customClaims(await client.fetchUserInfo(config, tokens.access_token, alice)), {
      ...aliceProfile,
      ...rolesOf(plainProject, ['reader', 'writer']),
    });
    assert.deepEqual(customClaims(await introspect(config, tokens.access_token)), {
      ...aliceProfile,
      ...rolesOf(plainProject, ['reader', 'writer']),
    });
  });

  it('a JWT access token without accessTokenRoleAssertion carries no roles; idTokenRoleAssertion alone adds no profile', async () => {
    const tokens = await login(fixture, apps.quietJwt!, 'alice', `openid profile email ${ROLE_SCOPES}`);
    const access = await verifyJwt(tokens.access_token);
    assert.equal(access.sub, alice);
    assert.equal(access.client_id, 'quiet-jwt');
    assert.deepEqual(customClaims(access), {});
    assert.deepEqual(customClaims(tokens.claims()!), rolesOf(plainProject, ['reader', 'writer']));
  });
});

describe('application switches on', () => {
  it('idTokenUserinfoAssertion and idTokenRoleAssertion fill the ID token; accessTokenRoleAssertion puts only roles into the JWT', async () => {
    const tokens = await login(fixture, apps.on!, 'alice', `openid profile email ${ROLE_SCOPES}`);
    assert.deepEqual(customClaims(tokens.claims()!), {
      ...aliceProfile,
      ...rolesOf(plainProject, ['reader', 'writer']),
    });
    assert.deepEqual(customClaims(await verifyJwt(tokens.access_token)), rolesOf(plainProject, ['reader', 'writer']));
    const config = await appConfig(fixture, apps.on!);
    assert.deepEqual(customClaims(await client.fetchUserInfo(config, tokens.access_token, alice)), {
      ...aliceProfile,
      ...rolesOf(plainProject, ['reader', 'writer']),
    });
  });

  it('standard claims follow the scopes: openid alone gives none, even with idTokenUserinfoAssertion', async () => {
    const tokens = await login(fixture, apps.on!, 'alice', `openid ${ROLE_SCOPES}`);
    assert.deepEqual(customClaims(tokens.claims()!), rolesOf(plainProject, ['reader', 'writer']));
  });
});

describe('project projectRoleAssertion', () => {
  it('off: without role scopes there are no roles in userinfo, nor in the ID token of an asserting app', async () => {
    const tokens = await login(fixture, apps.on!, 'alice', 'openid');
    assert.deepEqual(customClaims(tokens.claims()!), {});
    assert.deepEqual(
      customClaims(await client.fetchUserInfo(await appConfig(fixture, apps.on!), tokens.access_token, alice)),
      {},
    );
  });

  it('on: userinfo carries the project’s roles without role scopes; the ID token only with idTokenRoleAssertion', async () => {
    const tokens = await login(fixture, apps.asserted!, 'alice', 'openid');
    assert.deepEqual(customClaims(tokens.claims()!), {});
    const config = await appConfig(fixture, apps.asserted!);
    assert.deepEqual(
      customClaims(await client.fetchUserInfo(config, tokens.access_token, alice)),
      rolesOf(assertingProject, ['reader', 'writer']),
    );
  });

  it('on: the role keys are frozen at /authorize, so a role added later appears only after a new login', async () => {
    const config = await appConfig(fixture, apps.asserted!);
    const before = await login(fixture, apps.asserted!, 'alice', 'openid offline_access');
    await Project.updateOne(
      { _id: assertingProject },
      { $push: { roles: { key: 'auditor', displayName: 'Auditor' } } },
    );
    await UserGrant.updateOne(
      { instanceId: fixture.instanceId, userId: alice, projectId: assertingProject },
      { $push: { roleKeys: 'auditor' } },
    );
    try {
      const refreshed = await client.refreshTokenGrant(config, before.refresh_token!);
      assert.deepEqual(
        customClaims(await client.fetchUserInfo(config, refreshed.access_token, alice)),
        rolesOf(assertingProject, ['reader', 'writer']),
      );
      const after = await login(fixture, apps.asserted!, 'alice', 'openid');
      assert.deepEqual(
        customClaims(await client.fetchUserInfo(config, after.access_token, alice)),
        rolesOf(assertingProject, ['reader', 'writer', 'auditor']),
      );
    } finally {
      await Project.updateOne({ _id: assertingProject }, { $pull: { roles: { key: 'auditor' } } });
      await UserGrant.updateOne(
        { instanceId: fixture.instanceId, userId: alice, projectId: assertingProject },
        { $pull: { roleKeys: 'auditor' } },
      );
    }
  });
});

describe('flatRolesClaim', () => {
  it('adds `roles: [key, …]` for the current project to the ID token, JWT access token, userinfo and introspection', async () => {
    const tokens = await login(fixture, apps.flat!, 'alice', 'openid');
    const expected = { ...rolesOf(assertingProject, ['reader', 'writer']), roles: ['reader', 'writer'] };
    assert.deepEqual(customClaims(tokens.claims()!), expected);
    assert.deepEqual(customClaims(await verifyJwt(tokens.access_token)), expected);
    const config = await appConfig(fixture, apps.flat!);
    assert.deepEqual(customClaims(await client.fetchUserInfo(config, tokens.access_token, alice)), expected);
    assert.deepEqual(customClaims(await introspect(config, tokens.access_token)), expected);
  });

  it('is absent when the user has no role in the current project', async () => {
    await UserGrant.updateOne(
      { instanceId: fixture.instanceId, userId: alice, projectId: assertingProject },
      { $set: { state: 'inactive' } },
    );
    try {
      const tokens = await login(fixture, apps.flat!, 'alice', 'openid');
      assert.deepEqual(customClaims(tokens.claims()!), {});
      assert.deepEqual(customClaims(await verifyJwt(tokens.access_token)), {});
    } finally {
      await UserGrant.updateOne(
        { instanceId: fixture.instanceId, userId: alice, projectId: assertingProject },
        { $set: { state: 'active' } },
      );
    }
  });
});
