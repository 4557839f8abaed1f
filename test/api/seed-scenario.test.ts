import test from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { loginWithPassword } from '../helpers/login.ts';
import { startTestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

const PASSWORD = 'Scenario-Passw0rd!';
const MANAGEMENT_SCOPE = 'openid urn:zitadel:iam:org:project:id:zitadel:aud';

test("the demo scenario built through the API by the organizations' own managers, and the tokens carry the roles", async () => {
  const server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  try {
    const admin = await bootstrapToken(server);
    const as = (token: string) => (method: string, path: string, body?: unknown) =>
      call(server, token, method, path, body);
    const root = as(admin);
    const org = async (name: string) =>
      (await root('POST', '/orgs', { name })).body as { id: string; primaryDomain: string };
    const [acme, alpha, beta] = [await org('ACME'), await org('Alpha'), await org('Beta')];
    const human = async (orgId: string, username: string) => {
      const response = await root('POST', `/orgs/${orgId}/users/human`, {
        username,
        email: `${username}@example.com`,
        givenName: username,
        familyName: 'Test',
        password: PASSWORD,
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body as { id: string; loginName: string };
    };
    const acmeOwner = await human(acme.id, 'acme-owner');
    const betaOwner = await human(beta.id, 'beta-owner');
    const alice = await human(alpha.id, 'alice');
    const bob = await human(beta.id, 'bob');
    assert.equal(
      (await root('POST', `/orgs/${acme.id}/members`, { userId: acmeOwner.id, roles: ['ORG_OWNER'] })).status,
      201,
    );
    assert.equal(
      (await root('POST', `/orgs/${beta.id}/members`, { userId: betaOwner.id, roles: ['ORG_OWNER'] })).status,
      201,
    );

    // A console client in the instance's management project, through which managers get API tokens.
    const instance = server.services.tenants;
    const managementProjectId = (await instance.byId(server.bootstrap.instanceId))!.instance.managementProjectId;
    const consoleRedirect = `${server.url}/console/callback`;
    const consoleApp = (
      await root('POST', `/projects/${managementProjectId}/apps`, {
        type: 'oidc',
        name: 'Console',
        redirectUris: [consoleRedirect],
        devMode: true,
      })
    ).body as { clientId: string; clientSecret: string };
    const managerToken = async (loginName: string) => {
      const tokens = await loginWithPassword({
        baseUrl: server.url,
        clientId: consoleApp.clientId,
        clientSecret: consoleApp.clientSecret,
        redirectUri: consoleRedirect,
        scope: MANAGEMENT_SCOPE,
        loginName,
        password: PASSWORD,
      });
      return tokens.access_token;
    };

    // ACME's manager builds and grants the project.
    const acmeApi = as(await managerToken(acmeOwner.loginName));
    const project = await acmeApi('POST', `/orgs/${acme.id}/projects`, {
      name: 'Time Tracking',
      projectRoleAssertion: true,
    });
    assert.equal(project.status, 201, JSON.stringify(project.body));
    const projectId = project.body.id as string;
    for (const key of ['accountant', 'developer'])
      assert.equal((await acmeApi('POST', `/projects/${projectId}/roles`, { key, displayName: key })).status, 201);
    const rpRedirect = `${server.url}/rp/callback`;
    const rp = (
      await acmeApi('POST', `/projects/${projectId}/apps`, {
        type: 'oidc',
        name: 'Time app',
        redirectUris: [rpRedirect],
        devMode: true,
        idTokenRoleAssertion: true,
      })
    ).body as { clientId: string; clientSecret: string };
    const grants: Record<string, string> = {};
    for (const granted of [alpha, beta]) {
      const response = await acmeApi('POST', `/projects/${projectId}/grants`, {
        grantedOrgId: granted.id,
        roleKeys: ['accountant', 'developer'],
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      grants[granted.id] = response.body.id as string;
    }

    // Beta's manager finds Alice only by her exact login name, then grants her and Bob.
    const betaApi = as(await managerToken(betaOwner.loginName));
    assert.equal((await betaApi('GET', `/orgs/${alpha.id}/users`)).status, 404, 'no listing of another org');
    assert.equal((await betaApi('GET', `/users/${alice.id}`)).status, 404, 'no reading of another org');
    const found = await betaApi('GET', `/users/_by-login-name/${encodeURIComponent(alice.loginName)}`);
    assert.deepEqual(found.body, {
      id: alice.id,
      orgId: alpha.id,
      loginName: alice.loginName,
      displayName: 'alice Test',
    });
    assert.equal(
      (
        await betaApi('POST', `/orgs/${beta.id}/user-grants`, {
          userId: found.body.id,
          projectId,
          roleKeys: ['accountant'],
        })
      ).status,
      201,
    );
    assert.equal(
      (await betaApi('POST', `/orgs/${beta.id}/user-grants`, { userId: bob.id, projectId, roleKeys: ['developer'] }))
        .status,
      201,
    );
    assert.equal(
      (await betaApi('GET', `/projects/${projectId}/grants/${grants[beta.id]}`)).status,
      200,
      'the granted org sees its grant',
    );
    assert.equal(
      (await betaApi('PATCH', `/projects/${projectId}/grants/${grants[beta.id]}`, { roleKeys: ['accountant'] })).status,
      403,
      'but cannot change it',
    );
    assert.equal(
      (await betaApi('GET', `/projects/${projectId}/grants/${grants[alpha.id]}`)).status,
      404,
      "and never sees Alpha's",
    );
    assert.equal(
      (await betaApi('POST', `/orgs/${acme.id}/user-grants`, { userId: bob.id, projectId, roleKeys: ['accountant'] }))
        .status,
      404,
    );

    // The audit trail shows Beta's owner as the one who gave Alice her role.
    const trail = await betaApi('GET', `/events?orgId=${beta.id}`);
    const given = (trail.body.events as Array<{ type: string; actorId: string; payload: { userId?: string } }>).find(
      (event) => event.type === 'user.grant.added' && event.payload.userId === alice.id,
    );
    assert.equal(given?.actorId, betaOwner.id);

    // Alice's and Bob's tokens carry the roles Beta gave them, keyed by Beta.
    for (const [user, role] of [
      [alice, 'accountant'],
      [bob, 'developer'],
    ] as const) {
      const tokens = await loginWithPassword({
        baseUrl: server.url,
        clientId: rp.clientId,
        clientSecret: rp.clientSecret,
        redirectUri: rpRedirect,
        scope: 'openid',
        loginName: user.loginName,
        password: PASSWORD,
      });
      const claims = decodeJwt(tokens.id_token!);
      assert.deepEqual(
        claims['urn:zitadel:iam:org:project:roles'],
        { [role]: { [beta.id]: beta.primaryDomain } },
        user.loginName,
      );
    }
  } finally {
    await server.stop();
  }
});
