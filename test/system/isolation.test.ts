// Two instances created through the System API, each on its own loopback host (127.0.0.2 and 127.0.0.3): a login and
// tokens on each through its own host, and every attempt to use one instance's token, code, session cookie, client,
// user or management API token on the other fails; neither instance's metadata shows up at the other's addresses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import {
  CookieJar,
  clientConfig,
  loginWithPassword,
  redeemCode,
  startLogin,
  submitLoginName,
  submitPassword,
} from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { newInstanceBody, newOperator, systemCall, systemJwt, systemUsersEnv } from './helpers.ts';

const operator = newOperator('operator');
const REDIRECT_URI = 'https://rp.test/callback';
const PASSWORD = 'Owner-Password-1!';
const API_AUDIENCE_SCOPE = 'urn:zitadel:iam:org:project:id:zitadel:aud';

interface Side {
  id: string;
  host: string;
  issuer: string;
  orgId: string;
  ownerId: string;
  ownerLoginName: string;
  machine: { clientId: string; clientSecret: string };
  apiToken: string;
  app: { clientId: string; clientSecret: string };
}

let server: TestServer;
let systemToken: string;
const sides: Side[] = [];

async function api(side: Side, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${side.issuer}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, text };
}

async function machineToken(issuer: string, clientId: string, secret: string) {
  return fetch(`${issuer}/oauth/v2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: API_AUDIENCE_SCOPE }).toString(),
  });
}

async function createSide(name: string, host: string): Promise<Side> {
  const created = await systemCall(server.url, systemToken, 'POST', '/instances', newInstanceBody(name, [host]));
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const body = created.body as unknown as {
    id: string;
    issuer: string;
    orgId: string;
    owner: { id: string; loginName: string };
    machine: { clientId: string; clientSecret: string };
  };
  const tokenResponse = await machineToken(body.issuer, body.machine.clientId, body.machine.clientSecret);
  assert.equal(tokenResponse.status, 200);
  const apiToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
  const side: Side = {
    ...body,
    host,
    ownerId: body.owner.id,
    ownerLoginName: body.owner.loginName,
    apiToken,
    app: { clientId: '', clientSecret: '' },
  };
  const project = await api(side, apiToken, 'POST', `/orgs/${body.orgId}/projects`, { name: `${name} app` });
  assert.equal(project.status, 201, project.text);
  const app = await api(side, apiToken, 'POST', `/projects/${project.body.id as string}/apps`, {
    type: 'oidc',
    name: 'Web',
    redirectUris: [REDIRECT_URI],
    authMethod: 'basic',
  });
  assert.equal(app.status, 201, app.text);
  side.app = { clientId: app.body.clientId as string, clientSecret: app.body.clientSecret as string };
  return side;
}

before(async () => {
  server = await startTestServer({
    CASTELLAN_DEMO: 'false',
    CASTELLAN_SYSTEM_USERS: systemUsersEnv([{ operator }]),
  });
  systemToken = await systemJwt(operator, { audience: server.config.publicUrl });
  sides.push(await createSide('Alpha', '127.0.0.2'), await createSide('Beta', '127.0.0.3'));
});
after(() => server.stop());

const loginOptions = (side: Side, jar?: CookieJar) => ({
  baseUrl: side.issuer,
  clientId: side.app.clientId,
  clientSecret: side.app.clientSecret,
  redirectUri: REDIRECT_URI,
  scope: 'openid profile',
  loginName: side.ownerLoginName,
  password: PASSWORD,
  ...(jar ? { jar } : {}),
});

describe('two instances created through the System API', () => {
  it('each logs its owner in and issues tokens through its own host, under its own issuer', async () => {
    for (const side of sides) {
      const tokens = await loginWithPassword(loginOptions(side));
      const claims = tokens.claims()!;
      assert.equal(claims.iss, side.issuer);
      assert.equal(claims.sub, side.ownerId);
    }
  });

  it('an access token of one is rejected by the other’s userinfo, introspection and management API', async () => {
    const [alpha, beta] = sides as [Side, Side];
    const tokens = await loginWithPassword(loginOptions(alpha));
    const ownUserinfo = await fetch(`${alpha.issuer}/oidc/v1/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(ownUserinfo.status, 200);
    const userinfo = await fetch(`${beta.issuer}/oidc/v1/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(userinfo.status, 401);
    const betaClient = await clientConfig(beta.issuer, beta.app.clientId, beta.app.clientSecret);
    assert.equal((await client.tokenIntrospection(betaClient, tokens.access_token)).active, false);
    const management = await api(beta, alpha.apiToken, 'GET', `/orgs/${beta.orgId}`);
    assert.equal(management.status, 401);
    assert.equal((await api(alpha, alpha.apiToken, 'GET', `/orgs/${alpha.orgId}`)).status, 200);
  });

  it('a code of one cannot be redeemed at the other', async () => {
    const [alpha, beta] = sides as [Side, Side];
    let flow = await startLogin(loginOptions(alpha));
    flow = await submitLoginName(flow, alpha.ownerLoginName);
    flow = await submitPassword(flow, PASSWORD);
    const code = flow.callbackUrl!.searchParams.get('code')!;
    const redeemed = await fetch(`${beta.issuer}/oauth/v2/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${beta.app.clientId}:${beta.app.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: flow.codeVerifier,
      }).toString(),
    });
    assert.equal(redeemed.status, 400);
    assert.equal(((await redeemed.json()) as { error: string }).error, 'invalid_grant');
    // Still good where it was issued: the failed attempt elsewhere consumed nothing.
    assert.equal((await redeemCode(flow)).claims()!.iss, alpha.issuer);
  });

  it('a session cookie of one is no session at the other', async () => {
    const [alpha, beta] = sides as [Side, Side];
    const jar = new CookieJar();
    await loginWithPassword(loginOptions(alpha, jar));
    const againAtAlpha = await startLogin(loginOptions(alpha, jar));
    assert.equal(againAtAlpha.page, null, 'the session logs in again at Alpha without a page');
    // The jar sends every cookie to every host: Alpha's session cookie goes to Beta, which must ask for a login.
    const atBeta = await startLogin(loginOptions(beta, jar));
    assert.ok(atBeta.page, 'Beta asked for no login');
    assert.match(atBeta.page.html, /name="loginName"/);
    // Not only unknown there: no cookie signed for one instance verifies at the other.
    const [alphaTenant, betaTenant] = await Promise.all(sides.map((side) => server.services.tenants.byId(side.id)));
    const signature = alphaTenant!.cookieKeys.sign('_session=anything');
    assert.equal(betaTenant!.cookieKeys.verify('_session=anything', signature), false);
  });

  it('a client id and a machine user of one are unknown to the other', async () => {
    const [alpha, beta] = sides as [Side, Side];
    const credentials = await machineToken(beta.issuer, alpha.machine.clientId, alpha.machine.clientSecret);
    assert.equal(credentials.status, 401);
    const authorize = await fetch(
      `${beta.issuer}/oauth/v2/authorize?${new URLSearchParams({
        client_id: alpha.app.clientId,
        response_type: 'code',
        redirect_uri: REDIRECT_URI,
        scope: 'openid',
      })}`,
      { redirect: 'manual' },
    );
    assert.equal(authorize.status, 400);
    const page = await authorize.text();
    assert.ok(!page.includes(alpha.host) && !page.includes('Alpha'), page.slice(0, 500));
  });

  it('a user id of one is not found through the other’s management API', async () => {
    const [alpha, beta] = sides as [Side, Side];
    assert.equal((await api(beta, beta.apiToken, 'GET', `/users/${alpha.ownerId}`)).status, 404);
    assert.equal((await api(beta, beta.apiToken, 'GET', `/orgs/${alpha.orgId}`)).status, 404);
    assert.equal((await api(alpha, alpha.apiToken, 'GET', `/users/${alpha.ownerId}`)).status, 200);
  });

  it('discovery and keys name only the instance’s own issuer; an unknown host gets a plain 404', async () => {
    const [alpha, beta] = sides as [Side, Side];
    for (const [own, other] of [
      [alpha, beta],
      [beta, alpha],
    ] as const) {
      const discovery = await (await fetch(`${own.issuer}/.well-known/openid-configuration`)).text();
      assert.equal((JSON.parse(discovery) as { issuer: string }).issuer, own.issuer);
      assert.ok(!discovery.includes(other.host));
      const ownKeys = (await (await fetch(`${own.issuer}/oauth/v2/keys`)).json()) as { keys: Array<{ kid: string }> };
      const otherKeys = (await (await fetch(`${other.issuer}/oauth/v2/keys`)).json()) as {
        keys: Array<{ kid: string }>;
      };
      assert.ok(ownKeys.keys.every((key) => !otherKeys.keys.some((otherKey) => otherKey.kid === key.kid)));
    }
    const port = new URL(server.url).port;
    const unknown = await fetch(`http://127.0.0.4:${port}/.well-known/openid-configuration`);
    assert.equal(unknown.status, 404);
    const text = await unknown.text();
    assert.ok(!text.includes('issuer') && !text.includes('127.0.0.2') && !text.includes('127.0.0.3'), text);
  });

  it('a deactivated instance answers 404 on its hosts while the other serves on; reactivated, it serves again', async () => {
    const [alpha, beta] = sides as [Side, Side];
    const deactivated = await systemCall(server.url, systemToken, 'POST', `/instances/${alpha.id}/deactivate`);
    assert.equal(deactivated.status, 200);
    assert.equal((await fetch(`${alpha.issuer}/.well-known/openid-configuration`)).status, 404);
    assert.equal((await machineToken(alpha.issuer, alpha.machine.clientId, alpha.machine.clientSecret)).status, 404);
    assert.equal((await fetch(`${beta.issuer}/.well-known/openid-configuration`)).status, 200);
    await systemCall(server.url, systemToken, 'POST', `/instances/${alpha.id}/reactivate`);
    assert.equal((await fetch(`${alpha.issuer}/.well-known/openid-configuration`)).status, 200);
  });
});
