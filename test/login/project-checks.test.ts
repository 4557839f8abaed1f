// The login checks of a project (projectRoleCheck, hasProjectCheck, active project and application), at login
// and again when a browser session is reused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { secretHash } from '../../src/platform/crypto.ts';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { Application, Organization, Project, ProjectGrant, User, UserGrant } from '../../src/store/models/index.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import {
  CookieJar,
  loginWithPassword,
  pageText,
  startLogin,
  submitLoginName,
  submitPassword,
  type LoginOptions,
} from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const orgs: Record<string, string> = {};

before(async () => {
  server = await startTestServer();
  for (const org of await Organization.find({ instanceId: server.bootstrap.instanceId }).lean())
    orgs[org.name] = org._id;
});
after(() => server.stop());

const instanceId = () => server.bootstrap.instanceId;

async function userId(username: string): Promise<string> {
  return (await User.findOne({ instanceId: instanceId(), username }, { _id: 1 }).lean())!._id;
}

/** A project of `ownerOrg` with one confidential code-flow application; returns its login options. */
async function createProjectApp(
  name: string,
  ownerOrg: string,
  checks: { projectRoleCheck?: boolean; hasProjectCheck?: boolean },
): Promise<{ options: LoginOptions; projectId: string }> {
  const project = await Project.create({
    instanceId: instanceId(),
    orgId: orgs[ownerOrg],
    name,
    roles: [{ key: 'reader', displayName: 'Reader' }],
    ...checks,
  });
  const clientId = `app-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const secret = `secret-for-${clientId}-0123456789`;
  const redirectUri = `${server.url}/cb/${clientId}`;
  await Application.create({
    instanceId: instanceId(),
    projectId: project._id,
    orgId: orgs[ownerOrg],
    name,
    type: 'oidc',
    clientId,
    clientSecretHash: secretHash(clientSecretHashKey(server.services.masterKey), secret),
    oidc: { redirectUris: [redirectUri], grantTypes: ['authorization_code'], authMethod: 'basic' },
  });
  return {
    options: { baseUrl: server.url, clientId, clientSecret: secret, redirectUri, scope: 'openid' },
    projectId: project._id,
  };
}

async function refusedAfterPassword(
  options: LoginOptions,
  loginName: string,
): Promise<{ status: number; text: string }> {
  const flow = await submitPassword(await submitLoginName(await startLogin(options), loginName), DEMO_PASSWORD);
  assert.equal(flow.callbackUrl, null, 'no code is issued');
  return { status: flow.page!.status, text: pageText(flow.page!.html) };
}

describe('login checks', () => {
  it("projectRoleCheck: a user without a grant on the project gets ZITADEL's message on an error page", async () => {
    const { options, projectId } = await createProjectApp('Role Checked', 'ACME', { projectRoleCheck: true });
    const refused = await refusedAfterPassword(options, 'acme-owner');
    assert.equal(refused.status, 403);
    assert.match(refused.text, new RegExp(LOGIN_MESSAGES.grantRequired.replace(/\./g, '\\.')));
    // A grant, even one without roles, is enough.
    await UserGrant.create({
      instanceId: instanceId(),
      userId: await userId('acme-owner'),
      userOrgId: orgs.ACME,
      projectId,
      orgId: orgs.ACME,
      roleKeys: [],
    });
    assert.ok(await loginWithPassword({ ...options, loginName: 'acme-owner', password: DEMO_PASSWORD }));
  });

  it("hasProjectCheck: the user's org must own the project or hold a grant for it", async () => {
    const { options, projectId } = await createProjectApp('Org Checked', 'ACME', { hasProjectCheck: true });
    assert.ok(
      await loginWithPassword({ ...options, loginName: 'acme-owner', password: DEMO_PASSWORD }),
      'the owner org',
    );
    const refused = await refusedAfterPassword(options, 'alice');
    assert.equal(refused.status, 403);
    assert.match(refused.text, new RegExp(LOGIN_MESSAGES.projectRequired.replace(/\./g, '\\.')));
    const grant = await ProjectGrant.create({
      instanceId: instanceId(),
      projectId,
      orgId: orgs.ACME,
      grantedOrgId: orgs.Alpha,
      roleKeys: ['reader'],
    });
    assert.ok(await loginWithPassword({ ...options, loginName: 'alice', password: DEMO_PASSWORD }), 'a granted org');
    await ProjectGrant.updateOne({ _id: grant._id }, { $set: { state: 'inactive' } });
    assert.match((await refusedAfterPassword(options, 'alice')).text, /organization of the user must be granted/);
  });

  it('a browser session is re-checked: a user who lost the required grant must log in again and is refused', async () => {
    const { options, projectId } = await createProjectApp('Session Rechecked', 'ACME', { projectRoleCheck: true });
    const grant = await UserGrant.create({
      instanceId: instanceId(),
      userId: await userId('acme-owner'),
      userOrgId: orgs.ACME,
      projectId,
      orgId: orgs.ACME,
      roleKeys: ['reader'],
    });
    const jar = new CookieJar();
    await loginWithPassword({ ...options, jar, loginName: 'acme-owner', password: DEMO_PASSWORD });
    assert.ok(
      (await startLogin({ ...options, jar })).callbackUrl?.searchParams.get('code'),
      'the session is reused while the grant exists',
    );
    await UserGrant.updateOne({ _id: grant._id }, { $set: { state: 'inactive' } });
    const again = await startLogin({ ...options, jar });
    assert.equal(again.callbackUrl, null, 'no code from the session');
    assert.match(
      pageText((await submitPassword(await submitLoginName(again, 'acme-owner'), DEMO_PASSWORD)).page!.html),
      /at least one grant/,
    );
  });

  it('an inactive project or application cannot be logged in to', async () => {
    const { options, projectId } = await createProjectApp('Soon Inactive', 'ACME', {});
    assert.ok(await loginWithPassword({ ...options, loginName: 'acme-owner', password: DEMO_PASSWORD }));
    const flow = await submitLoginName(await startLogin(options), 'acme-owner');
    await Project.updateOne({ _id: projectId }, { $set: { state: 'inactive' } });
    const refused = await submitPassword(flow, DEMO_PASSWORD);
    assert.equal(refused.callbackUrl, null);
    assert.match(pageText(refused.page!.html), new RegExp(LOGIN_MESSAGES.projectInactive));
  });
});
