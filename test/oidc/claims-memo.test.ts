// The claims Castellan builds are kept in the instance cache (oidc/claims.ts): a change to what they are built from
// (the user's grants, the user, its org) is seen by the very next userinfo and introspection, after both have been
// answered from the kept claims.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { DEMO_CLIENT_ID } from '../../src/domain/setup/demo.ts';
import { buildClaims } from '../../src/oidc/claims.ts';
import { clientInfo } from '../../src/oidc/clients.ts';
import { Organization, User, UserGrant } from '../../src/store/models/index.ts';
import { findActiveAccount } from '../../src/store/queries/accounts.ts';
import { demoRp, introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const ROLES = 'urn:zitadel:iam:org:project:roles';
const ORG_NAME = 'urn:zitadel:iam:user:resourceowner:name';
const SCOPE = 'openid profile urn:zitadel:iam:user:resourceowner';

let fixture: OidcFixture;
let instanceId: string;
const { demoLogin, demoConfig, userId } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture();
  ({ instanceId } = fixture);
});
after(() => fixture.server.stop());

/** Alice's claims at userinfo and introspection, each asked twice (the second answered from the kept claims). */
async function aliceClaims(accessToken: string): Promise<{ userinfo: Record<string, unknown>; introspection: object }> {
  const config = await demoConfig();
  const userinfo = () => client.fetchUserInfo(config, accessToken, client.skipSubjectCheck);
  const introspection = () => introspect(config, accessToken);
  assert.deepEqual(await userinfo(), await userinfo());
  const first = await introspection();
  assert.deepEqual({ ...(await introspection()), iat: first.iat }, first);
  return { userinfo: await userinfo(), introspection: await introspection() };
}

describe('claims kept in the instance cache', () => {
  it('lose a role as soon as the user grant loses it', async () => {
    const { access_token } = await demoLogin('alice', SCOPE);
    const before = await aliceClaims(access_token);
    assert.ok(before.userinfo[ROLES], 'alice has roles to lose');
    const grants = await UserGrant.find({ instanceId, userId: await userId('alice') }).lean();
    await UserGrant.updateMany({ instanceId, userId: await userId('alice') }, { $set: { roleKeys: [] } });
    try {
      const { userinfo, introspection } = await aliceClaims(access_token);
      assert.equal(userinfo[ROLES], undefined);
      assert.equal((introspection as Record<string, unknown>)[ROLES], undefined);
    } finally {
      for (const grant of grants) await UserGrant.updateOne({ _id: grant._id }, { $set: { roleKeys: grant.roleKeys } });
    }
    assert.deepEqual((await aliceClaims(access_token)).userinfo[ROLES], before.userinfo[ROLES]);
  });

  it('follow a new name at once, and give none once the user is deactivated', async () => {
    const { access_token } = await demoLogin('alice', SCOPE);
    const before = await aliceClaims(access_token);
    const alice = { instanceId, username: 'alice' };
    await User.updateOne(alice, { $set: { 'human.givenName': 'Alicia' } });
    try {
      const { userinfo, introspection } = await aliceClaims(access_token);
      assert.equal(userinfo.given_name, 'Alicia');
      assert.equal((introspection as Record<string, unknown>).given_name, 'Alicia');
      await User.updateOne(alice, { $set: { state: 'inactive' } });
      const config = await demoConfig();
      await assert.rejects(client.fetchUserInfo(config, access_token, client.skipSubjectCheck), (error: Error) => {
        const [challenge] = (error.cause ?? []) as Array<{ parameters: Record<string, string> }>;
        return challenge?.parameters.error_description === 'no active user';
      });
      assert.deepEqual(await introspect(config, access_token), { active: false });
    } finally {
      await User.updateOne(alice, { $set: { 'human.givenName': before.userinfo.given_name, state: 'active' } });
    }
  });

  it('follow a renamed org at once', async () => {
    const { access_token } = await demoLogin('alice', SCOPE);
    const before = await aliceClaims(access_token);
    const org = await Organization.findOne({ instanceId, name: String(before.userinfo[ORG_NAME]) }).lean();
    await Organization.updateOne({ _id: org!._id }, { $set: { name: 'Alpha Renamed' } });
    try {
      const { userinfo, introspection } = await aliceClaims(access_token);
      assert.equal(userinfo[ORG_NAME], 'Alpha Renamed');
      assert.equal((introspection as Record<string, unknown>)[ORG_NAME], 'Alpha Renamed');
    } finally {
      await Organization.updateOne({ _id: org!._id }, { $set: { name: org!.name } });
    }
  });
});

describe('claims kept for an account', () => {
  it('are shared frozen, and built again from the caller’s account when it is not the one they were kept for', async () => {
    // The account a request read before a change dropped the cache is not the one cached after it (and the other way
    // round): neither may receive, nor leave behind, claims built from the other.
    const { instance, provider } = (await fixture.server.services.tenants.byId(instanceId))!;
    const request = {
      scope: 'openid profile',
      target: 'userinfo' as const,
      client: clientInfo((await provider.Client.find(DEMO_CLIENT_ID))!),
    };
    const account = (await findActiveAccount(instanceId, await userId('alice')))!;
    const kept = await buildClaims(instance, account, request);
    assert.equal(await buildClaims(instance, account, request), kept);
    assert.ok(Object.isFrozen(kept));
    assert.throws(() => Object.assign(kept, { given_name: 'Mallory' }), TypeError);

    const stale = { ...account, user: { ...account.user, human: { ...account.user.human!, givenName: 'Stale' } } };
    assert.equal((await buildClaims(instance, stale, request)).given_name, 'Stale');
    const current = await buildClaims(instance, account, request);
    assert.notEqual(current, kept, 'the entry built for another account was forgotten');
    assert.equal(current.given_name, kept.given_name);
  });
});
