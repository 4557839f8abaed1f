// The IdP configurations of the management API (issue 17): secrets encrypted and never returned, settings validated per
// protocol and template with 400 naming the field, org IdPs visible to their org only, login policies listing only
// IdPs their login may offer, and removal cascading to policies and links.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IdentityProvider } from '../../src/store/models/index.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

/** The JSON answers these tests read. */
interface Answer {
  id: string;
  type: string;
  template: string | null;
  settings: Record<string, unknown>;
  mapping: Record<string, unknown>;
  secretsSet: string[];
  callbackUrl: string;
  errors: Array<{ field: string }>;
  effective: { idps: string[] };
  idps: unknown[];
}
const answer = (response: { body: unknown }) => response.body as Answer;

const ENTRA_TENANT = '6c1a2b3d-0000-4000-8000-00000000c0de';
let server: TestServer;
let admin: string;
const orgs: Record<string, string> = {};
const SECRET = 'very-secret-client-secret-123';
const oidc = (settings: Record<string, unknown> = {}) => ({
  name: 'Corp',
  type: 'oidc',
  settings: { issuer: 'https://login.corp.test', clientId: 'castellan', clientSecret: SECRET, ...settings },
});

before(async () => {
  // The upstream listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(server);
  for (const org of (await call(server, admin, 'GET', '/orgs')).body.orgs as Array<{ id: string; name: string }>)
    orgs[org.name] = org.id;
});
after(() => server.stop());

async function managerOf(orgId: string): Promise<string> {
  const user = await call(server, admin, 'POST', `/orgs/${orgId}/users/machine`, {
    username: `idp-manager-${orgId}`,
    name: 'IdP manager',
  });
  const userId = user.body.userId ?? user.body.id;
  await call(server, admin, 'POST', `/orgs/${orgId}/members`, { userId, roles: ['ORG_OWNER'] });
  return (await call(server, admin, 'POST', `/users/${userId}/personal-access-tokens`, {})).body.token as string;
}

describe('IdP configurations', () => {
  it('encrypts secrets at rest, never returns them, and keeps them when a replacement leaves them out', async () => {
    const created = await call(server, admin, 'POST', '/idps', oidc());
    assert.equal(created.status, 201, JSON.stringify(answer(created)));
    assert.equal(JSON.stringify(answer(created)).includes(SECRET), false);
    assert.deepEqual(answer(created).secretsSet, ['clientSecret']);
    assert.equal(answer(created).callbackUrl, `${server.url}/ui/login/login/externalidp/callback`);
    const stored = await IdentityProvider.findById(answer(created).id).lean();
    assert.equal(JSON.stringify(stored).includes(SECRET), false, 'no secret in clear in the database');

    const { clientSecret: _left, ...withoutSecret } = oidc().settings;
    const replaced = await call(server, admin, 'PUT', `/idps/${answer(created).id}`, {
      ...oidc(),
      name: 'Renamed',
      settings: withoutSecret,
    });
    assert.equal(replaced.status, 200, JSON.stringify(answer(replaced)));
    assert.deepEqual(answer(replaced).secretsSet, ['clientSecret']);
    const retyped = await call(server, admin, 'PUT', `/idps/${answer(created).id}`, {
      name: 'GitHub',
      type: 'github',
      settings: { clientId: 'x', clientSecret: SECRET },
    });
    assert.equal(retyped.status, 400, 'a configuration keeps its protocol');
    assert.equal(answer(retyped).errors[0]?.field, 'type');
  });

  it('refuses unusable settings with 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [oidc({ issuer: 'http://login.corp.test' }), 'settings.issuer'],
      [oidc({ clientSecret: undefined }), 'settings.clientSecret'],
      [oidc({ clientAuth: 'private_key_jwt', clientSecret: undefined }), 'settings.privateKeyJwk'],
      [oidc({ scopes: ['profile'] }), 'settings.scopes'],
      [{ name: 'GitHub', type: 'github', settings: { clientId: 'x' } }, 'settings.clientSecret'],
      [{ ...oidc(), type: 'ldap' }, 'type'],
    ];
    for (const [body, field] of cases) {
      const response = await call(server, admin, 'POST', '/idps', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      const fields = (response.body.errors as Array<{ field: string }>).map((error) => error.field);
      assert.ok(fields.includes(field), `${field} in ${JSON.stringify(fields)}`);
    }
  });

  it('fills issuer and mapping from a template', async () => {
    const google = await call(server, admin, 'POST', '/idps', {
      name: 'Google',
      type: 'google',
      settings: { clientId: 'g', clientSecret: SECRET },
    });
    assert.equal(google.status, 201, JSON.stringify(answer(google)));
    assert.equal(answer(google).type, 'oidc');
    assert.equal(answer(google).template, 'google');
    assert.equal(answer(google).settings.issuer, 'https://accounts.google.com');
    assert.equal(answer(google).mapping.trustEmailVerified, true);
    const entra = await call(server, admin, 'POST', '/idps', {
      name: 'Entra',
      type: 'azure-ad',
      settings: { clientId: 'a', clientSecret: SECRET, tenant: 'organizations', allowedTenants: [ENTRA_TENANT] },
    });
    assert.equal(answer(entra).settings.issuer, 'https://login.microsoftonline.com/organizations/v2.0');
    assert.deepEqual(answer(entra).settings.allowedTenants, [ENTRA_TENANT]);
    const badTenant = await call(server, admin, 'POST', '/idps', {
      name: 'Entra',
      type: 'azure-ad',
      settings: { clientId: 'a', clientSecret: SECRET, tenant: 'common', allowedTenants: ['not/a tenant'] },
    });
    assert.equal(badTenant.status, 400);
    assert.match(JSON.stringify(badTenant.body), /allowedTenants/);
    assert.equal(answer(entra).mapping.trustEmailVerified, false, "Entra's email claim is not verified");
    const github = await call(server, admin, 'POST', '/idps', {
      name: 'GitHub',
      type: 'github',
      settings: { clientId: 'h', clientSecret: SECRET },
    });
    assert.equal(answer(github).type, 'oauth');
    assert.equal(answer(github).settings.userEndpoint, 'https://api.github.com/user');
  });

  it("keeps an org's IdPs to its managers and its login policy", async () => {
    const betaManager = await managerOf(orgs.Beta!);
    const betaIdp = await call(server, betaManager, 'POST', `/orgs/${orgs.Beta}/idps`, oidc());
    assert.equal(betaIdp.status, 201, JSON.stringify(answer(betaIdp)));
    const acmeIdp = (await call(server, admin, 'POST', `/orgs/${orgs.ACME}/idps`, oidc())).body.id as string;
    assert.equal((await call(server, betaManager, 'GET', `/orgs/${orgs.ACME}/idps`)).status, 404);
    assert.equal((await call(server, betaManager, 'GET', `/orgs/${orgs.Beta}/idps/${acmeIdp}`)).status, 404);
    assert.notEqual((await call(server, betaManager, 'POST', '/idps', oidc())).status, 201);

    const policy = (idps: string[]) => ({ allowExternalIdp: true, idps });
    const foreign = await call(server, admin, 'PUT', `/orgs/${orgs.Beta}/login-policy`, policy([acmeIdp]));
    assert.equal(foreign.status, 400);
    assert.equal(answer(foreign).errors[0]?.field, 'idps');
    const onInstance = await call(server, admin, 'PUT', '/instance/login-policy', policy([answer(betaIdp).id]));
    assert.equal(onInstance.status, 400);
    const own = await call(server, betaManager, 'PUT', `/orgs/${orgs.Beta}/login-policy`, policy([answer(betaIdp).id]));
    assert.equal(own.status, 200, JSON.stringify(answer(own)));
    assert.deepEqual(answer(own).effective.idps, [answer(betaIdp).id]);

    assert.equal(
      (await call(server, betaManager, 'DELETE', `/orgs/${orgs.Beta}/idps/${answer(betaIdp).id}`)).status,
      204,
    );
    const after = await call(server, admin, 'GET', `/orgs/${orgs.Beta}/login-policy`);
    assert.deepEqual(answer(after).effective.idps, [], 'the removed IdP left the policy');
    const listed = await call(server, betaManager, 'GET', `/orgs/${orgs.Beta}/idps`);
    assert.deepEqual(answer(listed).idps, []);
  });
});
