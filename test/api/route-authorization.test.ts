import test from 'node:test';
import assert from 'node:assert/strict';
import { apiRouteTable, loadRolePermissions } from '../../src/http/api/index.ts';
import { startTestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

// Every route of the management API with how it is authorized before its handler runs: the locator that finds what
// it acts on (src/http/api/locators.ts) and the permission decided there, or `custom` for the escape hatch. A new
// route, or one whose authorization changes, is added here on purpose.
const AUTHORIZATION: Record<string, string> = {
  'POST /orgs': 'INSTANCE org.create',
  'GET /orgs': 'custom org.read',
  'GET /orgs/{orgId}': 'ORG org.read',
  'PATCH /orgs/{orgId}': 'ORG org.write',
  'POST /orgs/{orgId}/deactivate': 'ORG org.write',
  'POST /orgs/{orgId}/reactivate': 'ORG org.write',
  'DELETE /orgs/{orgId}': 'ORG org.delete',
  'POST /orgs/{orgId}/domains': 'ORG org.write',
  'DELETE /orgs/{orgId}/domains/{domain}': 'ORG org.write',
  'POST /orgs/{orgId}/domains/{domain}/validation': 'ORG org.write',
  'POST /orgs/{orgId}/domains/{domain}/verify': 'ORG org.write',
  'POST /orgs/{orgId}/domains/{domain}/primary': 'ORG org.write',
  'GET /orgs/{orgId}/login-policy': 'ORG policy.read',
  'PUT /orgs/{orgId}/login-policy': 'ORG policy.write',
  'DELETE /orgs/{orgId}/login-policy': 'ORG policy.delete',
  'POST /orgs/{orgId}/users/human': 'ORG user.write',
  'POST /orgs/{orgId}/users/machine': 'ORG user.write',
  'GET /orgs/{orgId}/users': 'ORG user.read',
  'POST /orgs/{orgId}/users/_search': 'ORG user.read',
  'GET /users/_by-login-name/{loginName}': 'custom user.global.read',
  'GET /users/{userId}': 'USER user.read',
  'PATCH /users/{userId}': 'USER user.write',
  'POST /users/{userId}/deactivate': 'USER user.write',
  'POST /users/{userId}/reactivate': 'USER user.write',
  'DELETE /users/{userId}': 'USER user.delete',
  'POST /users/{userId}/email/resend': 'USER user.write',
  'POST /users/{userId}/email/verify': 'USER user.write',
  'POST /users/{userId}/password/reset': 'USER user.write',
  'POST /users/{userId}/invite': 'USER user.write',
  'PUT /users/{userId}/password': 'USER_CREDENTIALS user.credential.write',
  'POST /users/{userId}/secret': 'USER_CREDENTIALS user.credential.write',
  'DELETE /users/{userId}/secret': 'USER_CREDENTIALS user.credential.write',
  'POST /users/{userId}/personal-access-tokens': 'USER_CREDENTIALS user.credential.write',
  'GET /users/{userId}/personal-access-tokens': 'USER user.read',
  'DELETE /users/{userId}/personal-access-tokens/{tokenId}': 'USER_CREDENTIALS user.credential.write',
  'POST /users/{userId}/keys': 'USER_CREDENTIALS user.credential.write',
  'GET /users/{userId}/keys': 'USER user.read',
  'DELETE /users/{userId}/keys/{keyId}': 'USER_CREDENTIALS user.credential.write',
  'GET /users/{userId}/metadata': 'USER user.read',
  'PUT /users/{userId}/metadata/{key}': 'USER user.write',
  'DELETE /users/{userId}/metadata/{key}': 'USER user.write',
  'DELETE /users/{userId}/sessions': 'USER session.delete',
  'GET /users/{userId}/sessions': 'USER session.read',
  'DELETE /users/{userId}/sessions/{sessionId}': 'USER session.delete',
  'GET /users/{userId}/mfa': 'USER user.read',
  'POST /users/{userId}/mfa/otp-email': 'USER user.write',
  'DELETE /users/{userId}/mfa/{factorId}': 'USER_CREDENTIALS user.write',
  'DELETE /users/{userId}/mfa': 'USER_CREDENTIALS user.write',
  'POST /users/{userId}/unlock': 'USER user.write',
  'POST /orgs/{orgId}/projects': 'ORG project.create',
  'GET /orgs/{orgId}/projects': 'ORG project.read',
  'GET /orgs/{orgId}/granted-projects': 'ORG project.grant.read',
  'GET /projects/{projectId}': 'PROJECT project.read',
  'PATCH /projects/{projectId}': 'PROJECT project.write',
  'POST /projects/{projectId}/deactivate': 'PROJECT project.write',
  'POST /projects/{projectId}/reactivate': 'PROJECT project.write',
  'DELETE /projects/{projectId}': 'PROJECT project.delete',
  'GET /projects/{projectId}/roles': 'PROJECT project.role.read',
  'POST /projects/{projectId}/roles': 'PROJECT project.role.write',
  'PATCH /projects/{projectId}/roles/{key}': 'PROJECT project.role.write',
  'DELETE /projects/{projectId}/roles/{key}': 'PROJECT project.role.delete',
  'POST /projects/{projectId}/apps': 'PROJECT project.app.write',
  'GET /projects/{projectId}/apps': 'PROJECT project.app.read',
  'GET /projects/{projectId}/apps/{appId}': 'APPLICATION project.app.read',
  'PATCH /projects/{projectId}/apps/{appId}': 'APPLICATION project.app.write',
  'POST /projects/{projectId}/apps/{appId}/deactivate': 'APPLICATION project.app.write',
  'POST /projects/{projectId}/apps/{appId}/reactivate': 'APPLICATION project.app.write',
  'POST /projects/{projectId}/apps/{appId}/secret': 'APPLICATION project.app.write',
  'DELETE /projects/{projectId}/apps/{appId}': 'APPLICATION project.app.delete',
  'POST /projects/{projectId}/grants': 'PROJECT project.grant.write',
  'GET /projects/{projectId}/grants': 'PROJECT project.grant.read',
  'GET /projects/{projectId}/grants/{grantId}': 'PROJECT_GRANT_VIEW project.grant.read',
  'PATCH /projects/{projectId}/grants/{grantId}': 'PROJECT_GRANT project.grant.write',
  'POST /projects/{projectId}/grants/{grantId}/deactivate': 'PROJECT_GRANT project.grant.write',
  'POST /projects/{projectId}/grants/{grantId}/reactivate': 'PROJECT_GRANT project.grant.write',
  'DELETE /projects/{projectId}/grants/{grantId}': 'PROJECT_GRANT project.grant.delete',
  'POST /projects/{projectId}/apps/{appId}/keys': 'APPLICATION project.app.write',
  'GET /projects/{projectId}/apps/{appId}/keys': 'APPLICATION project.app.read',
  'DELETE /projects/{projectId}/apps/{appId}/keys/{keyId}': 'APPLICATION project.app.write',
  'POST /orgs/{orgId}/user-grants': 'NEW_USER_GRANT user.grant.write',
  'GET /orgs/{orgId}/user-grants': 'ORG_USER_GRANTS user.grant.read',
  'GET /orgs/{orgId}/user-grants/{userGrantId}': 'USER_GRANT user.grant.read',
  'PATCH /orgs/{orgId}/user-grants/{userGrantId}': 'USER_GRANT user.grant.write',
  'POST /orgs/{orgId}/user-grants/{userGrantId}/deactivate': 'USER_GRANT user.grant.write',
  'POST /orgs/{orgId}/user-grants/{userGrantId}/reactivate': 'USER_GRANT user.grant.write',
  'DELETE /orgs/{orgId}/user-grants/{userGrantId}': 'USER_GRANT user.grant.delete',
  'GET /instance/members': 'INSTANCE iam.member.read',
  'POST /instance/members': 'INSTANCE iam.member.write',
  'PUT /instance/members/{userId}': 'INSTANCE iam.member.write',
  'DELETE /instance/members/{userId}': 'INSTANCE iam.member.delete',
  'GET /orgs/{orgId}/members': 'ORG org.member.read',
  'POST /orgs/{orgId}/members': 'ORG org.member.write',
  'PUT /orgs/{orgId}/members/{userId}': 'ORG org.member.write',
  'DELETE /orgs/{orgId}/members/{userId}': 'ORG org.member.delete',
  'GET /projects/{projectId}/members': 'PROJECT project.member.read',
  'POST /projects/{projectId}/members': 'PROJECT project.member.write',
  'PUT /projects/{projectId}/members/{userId}': 'PROJECT project.member.write',
  'DELETE /projects/{projectId}/members/{userId}': 'PROJECT project.member.delete',
  'GET /projects/{projectId}/grants/{grantId}/members': 'PROJECT_GRANT_MEMBERS project.grant.member.read',
  'POST /projects/{projectId}/grants/{grantId}/members': 'PROJECT_GRANT_MEMBERS project.grant.member.write',
  'PUT /projects/{projectId}/grants/{grantId}/members/{userId}': 'PROJECT_GRANT_MEMBERS project.grant.member.write',
  'DELETE /projects/{projectId}/grants/{grantId}/members/{userId}': 'PROJECT_GRANT_MEMBERS project.grant.member.delete',
  'GET /events': 'EVENTS events.read',
  'GET /instance/login-policy': 'INSTANCE iam.policy.read',
  'PUT /instance/login-policy': 'INSTANCE iam.policy.write',
  'GET /instance/settings': 'INSTANCE iam.policy.read',
  'PATCH /instance/settings': 'INSTANCE iam.policy.write',
  'GET /instance/token-lifetimes': 'INSTANCE iam.policy.read',
  'PATCH /instance/token-lifetimes': 'INSTANCE iam.policy.write',
  'GET /instance/features': 'INSTANCE iam.feature.read',
  'PUT /instance/features': 'INSTANCE iam.feature.write',
  'GET /instance/branding': 'INSTANCE iam.policy.read',
  'PUT /instance/branding': 'INSTANCE iam.policy.write',
  'GET /instance/smtp': 'INSTANCE iam.read',
  'PUT /instance/smtp': 'INSTANCE iam.write',
  'DELETE /instance/smtp': 'INSTANCE iam.write',
  'POST /instance/smtp/test': 'INSTANCE iam.write',
  'GET /orgs/{orgId}/token-lifetimes': 'ORG org.read',
  'PUT /orgs/{orgId}/token-lifetimes': 'ORG org.write',
  'GET /projects/{projectId}/token-lifetimes': 'PROJECT project.read',
  'PUT /projects/{projectId}/token-lifetimes': 'PROJECT project.write',
  'GET /orgs/_by-domain/{primaryDomain}': 'custom org.global.read',
  'POST /orgs/{orgId}/actions': 'ORG_OWNED org.action.write',
  'GET /orgs/{orgId}/actions': 'ORG_OWNED org.action.read',
  'GET /orgs/{orgId}/actions/{actionId}': 'ORG_OWNED org.action.read',
  'PUT /orgs/{orgId}/actions/{actionId}': 'ORG_OWNED org.action.write',
  'DELETE /orgs/{orgId}/actions/{actionId}': 'ORG_OWNED org.action.delete',
  'POST /orgs/{orgId}/actions/{actionId}/test': 'ORG_OWNED org.action.write',
  'POST /instance/actions': 'INSTANCE_OWNED iam.action.write',
  'GET /instance/actions': 'INSTANCE_OWNED iam.action.read',
  'GET /instance/actions/{actionId}': 'INSTANCE_OWNED iam.action.read',
  'PUT /instance/actions/{actionId}': 'INSTANCE_OWNED iam.action.write',
  'DELETE /instance/actions/{actionId}': 'INSTANCE_OWNED iam.action.delete',
  'POST /instance/actions/{actionId}/test': 'INSTANCE_OWNED iam.action.write',
  'GET /orgs/{orgId}/flows/{flowType}': 'ORG_OWNED org.flow.read',
  'PUT /orgs/{orgId}/flows/{flowType}/triggers/{triggerType}': 'ORG_OWNED org.flow.write',
  'DELETE /orgs/{orgId}/flows/{flowType}': 'ORG_OWNED org.flow.delete',
  'GET /instance/flows/{flowType}': 'INSTANCE_OWNED iam.flow.read',
  'PUT /instance/flows/{flowType}/triggers/{triggerType}': 'INSTANCE_OWNED iam.flow.write',
  'DELETE /instance/flows/{flowType}': 'INSTANCE_OWNED iam.flow.delete',
  'POST /orgs/{orgId}/webhooks': 'ORG_OWNED org.action.write',
  'GET /orgs/{orgId}/webhooks': 'ORG_OWNED org.action.read',
  'DELETE /orgs/{orgId}/webhooks/{webhookId}': 'ORG_OWNED org.action.delete',
  'GET /orgs/{orgId}/webhooks/{webhookId}/deliveries': 'ORG_OWNED org.action.read',
  'POST /instance/webhooks': 'INSTANCE_OWNED iam.action.write',
  'GET /instance/webhooks': 'INSTANCE_OWNED iam.action.read',
  'DELETE /instance/webhooks/{webhookId}': 'INSTANCE_OWNED iam.action.delete',
  'GET /instance/webhooks/{webhookId}/deliveries': 'INSTANCE_OWNED iam.action.read',
  'GET /idps': 'INSTANCE iam.idp.read',
  'POST /idps': 'INSTANCE iam.idp.write',
  'GET /idps/{idpId}': 'INSTANCE_IDP iam.idp.read',
  'PUT /idps/{idpId}': 'INSTANCE_IDP iam.idp.write',
  'DELETE /idps/{idpId}': 'INSTANCE_IDP iam.idp.delete',
  'GET /orgs/{orgId}/idps': 'ORG org.idp.read',
  'POST /orgs/{orgId}/idps': 'ORG org.idp.write',
  'GET /orgs/{orgId}/idps/{idpId}': 'ORG_IDP org.idp.read',
  'PUT /orgs/{orgId}/idps/{idpId}': 'ORG_IDP org.idp.write',
  'DELETE /orgs/{orgId}/idps/{idpId}': 'ORG_IDP org.idp.delete',
  'GET /users/{userId}/links': 'USER user.read',
  'DELETE /users/{userId}/links/{linkId}': 'USER user.write',
  'GET /orgs/{orgId}/branding/logos': 'ORG policy.read',
  'PUT /orgs/{orgId}/branding/logo': 'ORG policy.write',
  'DELETE /orgs/{orgId}/branding/logo': 'ORG policy.delete',
  'PUT /orgs/{orgId}/branding/logo-dark': 'ORG policy.write',
  'DELETE /orgs/{orgId}/branding/logo-dark': 'ORG policy.delete',
  'PUT /orgs/{orgId}/branding/icon': 'ORG policy.write',
  'DELETE /orgs/{orgId}/branding/icon': 'ORG policy.delete',
  'PUT /orgs/{orgId}/branding/icon-dark': 'ORG policy.write',
  'DELETE /orgs/{orgId}/branding/icon-dark': 'ORG policy.delete',
  'GET /instance/branding/logos': 'INSTANCE iam.policy.read',
  'PUT /instance/branding/logo': 'INSTANCE iam.policy.write',
  'DELETE /instance/branding/logo': 'INSTANCE iam.policy.delete',
  'PUT /instance/branding/logo-dark': 'INSTANCE iam.policy.write',
  'DELETE /instance/branding/logo-dark': 'INSTANCE iam.policy.delete',
  'PUT /instance/branding/icon': 'INSTANCE iam.policy.write',
  'DELETE /instance/branding/icon': 'INSTANCE iam.policy.delete',
  'PUT /instance/branding/icon-dark': 'INSTANCE iam.policy.write',
  'DELETE /instance/branding/icon-dark': 'INSTANCE iam.policy.delete',
};

// The routes that cannot be authorized on a located resource. Each says why in its spec.
const CUSTOM = ['GET /orgs', 'GET /users/_by-login-name/{loginName}', 'GET /orgs/_by-domain/{primaryDomain}'];

test('every route declares its authorization, and the escape hatches are exactly the listed ones', () => {
  const routes = apiRouteTable(loadRolePermissions());
  const table: Record<string, string> = {};
  for (const route of routes) {
    const key = `${route.method.toUpperCase()} ${route.path}`;
    assert.ok(route.on, `${key} declares how it is authorized`);
    if ('custom' in route.on) {
      assert.match(route.on.custom, /^\S.{40,}/, `${key} says why it is authorized by hand`);
      assert.equal(typeof route.on.allows, 'function', key);
    } else {
      assert.equal(typeof route.on.locate, 'function', key);
    }
    table[key] = `${'custom' in route.on ? 'custom' : route.on.name} ${route.permission}`;
  }
  assert.equal(Object.keys(table).length, routes.length, 'one route per method and path');
  assert.deepEqual(table, AUTHORIZATION);
  assert.deepEqual(
    routes.filter((route) => 'custom' in route.on).map((route) => `${route.method.toUpperCase()} ${route.path}`),
    CUSTOM,
  );
});

test('a refused request never reaches its handler: nothing is written, nothing is audited', async () => {
  const server = await startTestServer({ CASTELLAN_DEMO: 'false' });
  try {
    const admin = await bootstrapToken(server);
    const post = async (path: string, body: unknown, token = admin) => {
      const response = await call(server, token, 'POST', path, body);
      assert.equal(response.status, 201, `${path}: ${JSON.stringify(response.body)}`);
      return (response.body.id ?? response.body.userId) as string;
    };
    const tokenOf = async (userId: string) =>
      (await call(server, admin, 'POST', `/users/${userId}/personal-access-tokens`, {})).body.token as string;
    const org = await post('/orgs', { name: 'Acme' });
    const portal = await post(`/orgs/${org}/projects`, { name: 'Portal' });
    const billing = await post(`/orgs/${org}/projects`, { name: 'Billing' });
    const user = await post(`/orgs/${org}/users/machine`, { username: 'someone', name: 'Someone' });
    const owner = await post(`/orgs/${org}/users/machine`, { username: 'portal-owner', name: 'Owner' });
    await post(`/projects/${portal}/members`, { userId: owner, roles: ['PROJECT_OWNER'] });
    const viewer = await post(`/orgs/${org}/users/machine`, { username: 'org-viewer', name: 'Viewer' });
    await post(`/orgs/${org}/members`, { userId: viewer, roles: ['ORG_OWNER_VIEWER'] });
    const [ownerToken, viewerToken] = [await tokenOf(owner), await tokenOf(viewer)];
    const auditTrail = async () => (await call(server, admin, 'GET', `/events?orgId=${org}&limit=500`)).body.events;
    const before = await auditTrail();

    // The permission depends on the project named in the body: hidden elsewhere, allowed on the owner's project.
    const grant = { userId: user, projectId: billing, roleKeys: [] };
    assert.equal((await call(server, ownerToken, 'POST', `/orgs/${org}/user-grants`, grant)).status, 404);
    const machine = { username: 'sneaky', name: 'Sneaky' };
    assert.equal((await call(server, ownerToken, 'POST', `/orgs/${org}/users/machine`, machine)).status, 404);
    assert.equal((await call(server, viewerToken, 'POST', `/orgs/${org}/users/machine`, machine)).status, 403);
    assert.equal((await call(server, viewerToken, 'PATCH', `/orgs/${org}`, { name: 'Renamed' })).status, 403);
    assert.deepEqual(await auditTrail(), before, 'no refused request was audited');
    assert.deepEqual((await call(server, admin, 'GET', `/orgs/${org}/user-grants`)).body.userGrants, []);
    const { name, primaryDomain } = (await call(server, admin, 'GET', `/orgs/${org}`)).body;
    assert.equal(name, 'Acme');
    assert.equal(
      (await call(server, admin, 'GET', `/users/_by-login-name/sneaky@${String(primaryDomain)}`)).status,
      404,
    );

    await post(`/orgs/${org}/user-grants`, { ...grant, projectId: portal }, ownerToken);
  } finally {
    await server.stop();
  }
});
