// Reserved scopes end to end (docs/zitadel-behaviour.md §1.2, §2.1–§2.4): which grants and projects the role
// claims come from, the role-key filter, the audience, and the metadata claim. Claim JSON is compared exactly.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { ProjectGrant, User, UserGrant } from '../../src/store/models/index.ts';
import {
  appConfig,
  createOidcApp,
  createProject,
  customClaims,
  demoApp,
  introspect,
  login,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';

const SCOPE = {
  projectsRoles: 'urn:zitadel:iam:org:projects:roles',
  metadata: 'urn:zitadel:iam:user:metadata',
  role: (key: string) => `urn:zitadel:iam:org:project:role:${key}`,
  aud: (projectId: string) => `urn:zitadel:iam:org:project:id:${projectId}:aud`,
  rolesOf: (orgId: string) => `urn:zitadel:iam:org:roles:id:${orgId}`,
};

let fixture: OidcFixture;
let alice: string;
/** Seed 002's project (projectRoleAssertion on; the demo RP asserts everything) and ACME's "Reports" (off). */
let timeProject: string;
let reportsProject: string;
let reportsApp: TestApp;
let quietApp: TestApp;
let domains: Record<string, string>;

/** `{ key: { orgId: domain } }` from `{ key: [orgName, …] }`. */
function roleClaim(roles: Record<string, string[]>): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(roles).map(([key, orgNames]) => [
      key,
      Object.fromEntries(orgNames.map((name) => [fixture.orgs[name]!, domains[name]!])),
    ]),
  );
}

function projectClaim(projectId: string, roles: Record<string, string[]>): Record<string, unknown> {
  return { [`urn:zitadel:iam:org:project:${projectId}:roles`]: roleClaim(roles) };
}

/** The role claims of a token whose current project is `projectId`. */
function currentClaims(projectId: string, roles: Record<string, string[]>, flat = false): Record<string, unknown> {
  return {
    'urn:zitadel:iam:org:project:roles': roleClaim(roles),
    ...projectClaim(projectId, roles),
    ...(flat ? { roles: Object.keys(roles).sort() } : {}),
  };
}

async function verifyJwt(token: string): Promise<Record<string, unknown>> {
  return (
    await jwtVerify(token, createRemoteJWKSet(new URL(`${fixture.baseUrl}/oauth/v2/keys`)), { issuer: fixture.baseUrl })
  ).payload;
}

before(async () => {
  fixture = await startOidcFixture();
  const { orgs, instanceId } = fixture;
  domains = { ACME: 'acme.localhost', Alpha: 'alpha.localhost', Beta: 'beta.localhost' };
  alice = await userIdOf(fixture, 'alice');
  timeProject = fixture.demoProjectId;
  // Besides Beta's `accountant` (the demo scenario), Alice's own org grants her both roles through its project grant.
  const alphaGrant = await ProjectGrant.findOne({
    instanceId,
    projectId: timeProject,
    grantedOrgId: orgs.Alpha,
  }).lean();
  await UserGrant.create({
    instanceId,
    userId: alice,
    userOrgId: orgs.Alpha,
    orgId: orgs.Alpha,
    projectId: timeProject,
    projectGrantId: alphaGrant!._id,
    roleKeys: ['accountant', 'developer'],
  });
  // A second project with a role key of the same name as the time project's.
  reportsProject = await createProject(fixture, 'Reports', { orgId: orgs.ACME!, roles: ['viewer', 'accountant'] });
  await UserGrant.create({
    instanceId,
    userId: alice,
    userOrgId: orgs.Alpha,
    orgId: orgs.ACME,
    projectId: reportsProject,
    roleKeys: ['viewer', 'accountant'],
  });
  reportsApp = await createOidcApp(fixture, reportsProject, 'reports-rp', {
    idTokenRoleAssertion: true,
    accessTokenRoleAssertion: true,
    accessTokenType: 'jwt',
  });
  quietApp = await createOidcApp(fixture, reportsProject, 'reports-quiet', { accessTokenType: 'jwt' });
});
after(() => fixture.server.stop());

describe('urn:zitadel:iam:org:roles:id:{orgId}', () => {
  const everyGrant = { accountant: ['Alpha', 'Beta'], developer: ['Alpha'] };

  it('without it, grants of every org merge per role key', async () => {
    const tokens = await login(fixture, demoApp(fixture), 'alice', 'openid');
    assert.deepEqual(customClaims(tokens.claims()!), currentClaims(timeProject, everyGrant, true));
  });

  it('keeps only the grants made by the named orgs (ID token, JWT access token, userinfo)', async () => {
    const tokens = await login(fixture, demoApp(fixture), 'alice', `openid ${SCOPE.rolesOf(fixture.orgs.Beta!)}`);
    const betaOnly = currentClaims(timeProject, { accountant: ['Beta'] }, true);
    assert.deepEqual(customClaims(tokens.claims()!), betaOnly);
    assert.deepEqual(customClaims(await verifyJwt(tokens.access_token)), betaOnly);
    assert.deepEqual(
      customClaims(await client.fetchUserInfo(await appConfig(fixture, demoApp(fixture)), tokens.access_token, alice)),
      betaOnly,
    );
  });

  it('may be repeated; an unknown org matches nothing and is no error', async () => {
    const both = await login(
      fixture,
      demoApp(fixture),
      'alice',
      `openid ${SCOPE.rolesOf(fixture.orgs.Beta!)} ${SCOPE.rolesOf(fixture.orgs.Alpha!)}`,
    );
    assert.deepEqual(customClaims(both.claims()!), currentClaims(timeProject, everyGrant, true));
    const unknown = await login(fixture, demoApp(fixture), 'alice', `openid ${SCOPE.rolesOf('123456789')}`);
    assert.deepEqual(customClaims(unknown.claims()!), {});
  });
});

describe('urn:zitadel:iam:org:projects:roles with urn:zitadel:iam:org:project:id:{p}:aud', () => {
  it('adds per-project claims for the :aud project, and the project to the token audience', async () => {
    const tokens = await login(fixture, reportsApp, 'alice', `openid ${SCOPE.projectsRoles} ${SCOPE.aud(timeProject)}`);
    const expected = {
      ...currentClaims(reportsProject, { viewer: ['ACME'], accountant: ['ACME'] }),
      ...projectClaim(timeProject, { accountant: ['Alpha', 'Beta'], developer: ['Alpha'] }),
    };
    assert.deepEqual(customClaims(tokens.claims()!), expected);
    const access = await verifyJwt(tokens.access_token);
    assert.deepEqual(customClaims(access), expected);
    assert.deepEqual(
      [...(access.aud as string[])].sort(),
      ['reports-quiet', 'reports-rp', reportsProject, timeProject].sort(),
    );
  });

  it('lets a client of the :aud project introspect the token, with its own project as the current one', async () => {
    const tokens = await login(fixture, reportsApp, 'alice', `openid ${SCOPE.aud(timeProject)}`);
    const result = await introspect(await appConfig(fixture, demoApp(fixture)), tokens.access_token);
    assert.equal(result.active, true);
    // The flat claim is the token's application's choice (reports-rp: off), not the introspecting one's.
    assert.deepEqual(
      customClaims(result),
      currentClaims(timeProject, { accountant: ['Alpha', 'Beta'], developer: ['Alpha'] }),
    );
  });

  it('without projects:roles (or a role scope), :aud projects are not read for roles', async () => {
    const tokens = await login(fixture, reportsApp, 'alice', `openid ${SCOPE.aud(timeProject)}`);
    assert.deepEqual(customClaims(tokens.claims()!), {});
    assert.ok(((await verifyJwt(tokens.access_token)).aud as string[]).includes(timeProject), 'still in the audience');
  });
});

describe('urn:zitadel:iam:org:project:role:{key}', () => {
  it('filters the roles by key', async () => {
    const tokens = await login(fixture, reportsApp, 'alice', `openid ${SCOPE.role('viewer')}`);
    assert.deepEqual(customClaims(tokens.claims()!), currentClaims(reportsProject, { viewer: ['ACME'] }));
  });

  it('filters by key across every audience project, so the same key of an :aud project is kept', async () => {
    const tokens = await login(
      fixture,
      reportsApp,
      'alice',
      `openid ${SCOPE.role('accountant')} ${SCOPE.aud(timeProject)}`,
    );
    assert.deepEqual(customClaims(tokens.claims()!), {
      ...currentClaims(reportsProject, { accountant: ['ACME'] }),
      ...projectClaim(timeProject, { accountant: ['Alpha', 'Beta'] }),
    });
  });

  it('projectRoleAssertion freezes the project’s keys as the filter, which applies to :aud projects too', async () => {
    const tokens = await login(
      fixture,
      demoApp(fixture),
      'alice',
      `openid ${SCOPE.projectsRoles} ${SCOPE.aud(reportsProject)}`,
    );
    const expected = {
      ...currentClaims(timeProject, { accountant: ['Alpha', 'Beta'], developer: ['Alpha'] }, true),
      ...projectClaim(reportsProject, { accountant: ['ACME'] }),
    };
    assert.deepEqual(customClaims(tokens.claims()!), expected);
  });

  it('drops a key of another project at /authorize, silently', async () => {
    const tokens = await login(fixture, reportsApp, 'alice', `openid ${SCOPE.role('developer')}`);
    assert.ok(!tokens.scope?.includes(SCOPE.role('developer')), `scope: ${tokens.scope}`);
    assert.deepEqual(
      customClaims(tokens.claims()!),
      {},
      'no role scope is left, and the project does not assert roles',
    );
    assert.deepEqual(
      customClaims(await client.fetchUserInfo(await appConfig(fixture, reportsApp), tokens.access_token, alice)),
      {},
    );
    const mixed = await login(
      fixture,
      reportsApp,
      'alice',
      `openid ${SCOPE.role('developer')} ${SCOPE.role('viewer')}`,
    );
    assert.deepEqual(customClaims(mixed.claims()!), currentClaims(reportsProject, { viewer: ['ACME'] }));
  });
});

describe('urn:zitadel:iam:user:metadata', () => {
  before(async () => {
    await User.updateOne(
      { _id: alice },
      {
        $set: {
          metadata: [
            { key: 'tier', value: Buffer.from('gold') },
            { key: 'raw', value: Buffer.from([0xfb, 0xff, 0xfe, 0x00]) },
          ],
        },
      },
    );
  });

  it('is `{ key: unpadded base64url }` in the ID token, JWT access token, userinfo and introspection, whatever the switches', async () => {
    const tokens = await login(fixture, quietApp, 'alice', `openid ${SCOPE.metadata}`);
    const expected = { 'urn:zitadel:iam:user:metadata': { tier: 'Z29sZA', raw: '-__-AA' } };
    assert.deepEqual(customClaims(tokens.claims()!), expected);
    assert.deepEqual(customClaims(await verifyJwt(tokens.access_token)), expected);
    const config = await appConfig(fixture, quietApp);
    assert.deepEqual(customClaims(await client.fetchUserInfo(config, tokens.access_token, alice)), expected);
    const introspection = await introspect(config, tokens.access_token);
    assert.deepEqual(introspection['urn:zitadel:iam:user:metadata'], expected['urn:zitadel:iam:user:metadata']);
  });

  it('is absent without the scope, and for a user without metadata', async () => {
    const unscoped = await login(fixture, quietApp, 'alice', 'openid');
    assert.deepEqual(customClaims(unscoped.claims()!), {});
    const bob = await login(fixture, quietApp, 'bob', `openid ${SCOPE.metadata}`);
    assert.deepEqual(customClaims(bob.claims()!), {});
  });
});
