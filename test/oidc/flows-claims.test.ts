// Role and reserved-scope claims through the demo RP's code flow: roles are read live from the grants, and
// org, resource-owner, metadata and audience scopes give exactly their claims.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { ProjectGrant, User, UserGrant } from '../../src/store/models/index.ts';
import { demoRp, introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import type { TestServer } from '../helpers/server.ts';

let fixture: OidcFixture;
let server: TestServer;
let instanceId: string;
let managementProjectId: string;
let projectId: string;
let orgs: Record<string, string>;
const { demoLogin, demoConfig } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture();
  ({ server, instanceId, managementProjectId, orgs, demoProjectId: projectId } = fixture);
});
after(() => server.stop());

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
    const scope = [
      'openid',
      `urn:zitadel:iam:org:id:${orgs.Alpha}`,
      'urn:zitadel:iam:org:domain:primary:alpha.localhost',
      'urn:zitadel:iam:user:metadata',
      'urn:zitadel:iam:org:project:id:zitadel:aud',
      'urn:iam:org:project:roles',
    ].join(' ');
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
