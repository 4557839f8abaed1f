// Token exchange accepts only subject and actor tokens this instance issued, still valid, meant for the calling client
// (src/oidc/grants/exchange-inputs.ts); anything else is `invalid_request` (RFC 8693 §2.2.2). Only an authenticated
// client with the grant may exchange.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { bootstrapToken, call } from '../api/helpers.ts';
import { ensureSigningKeys } from '../../src/store/queries/signing-keys.ts';
import { Application, Instance, Organization, Project } from '../../src/store/models/index.ts';
import {
  appConfig,
  createOidcApp,
  createProject,
  login,
  RP_REDIRECT_URI,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';
import { changeSettings, exchange, refusal, TOKEN_EXCHANGE, TOKEN_TYPE } from '../helpers/token-exchange.ts';

let fixture: OidcFixture;
let app: TestApp;
let config: client.Configuration;
const GRANTS = ['authorization_code', 'refresh_token', TOKEN_EXCHANGE] as const;

before(async () => {
  fixture = await startOidcFixture();
  app = await createOidcApp(fixture, fixture.demoProjectId, 'exchanger', { grantTypes: [...GRANTS] });
  config = await appConfig(fixture, app);
  await changeSettings(fixture.instanceId, { features: { tokenExchange: true } });
});
after(() => fixture.server.stop());

const asSubject = (token: string, type: string = TOKEN_TYPE.accessToken) => ({
  subject_token: token,
  subject_token_type: type,
});

async function assertInvalidInput(params: Record<string, string>, configuration = config): Promise<void> {
  const refused = await refusal(configuration, params);
  assert.deepEqual([refused.status, refused.error], [400, 'invalid_request'], refused.description);
}

/**
 * Access tokens of a second instance (its own keys, its own storage namespace) for the same user id and a client of
 * the same id, in a project whose audience names that client: everything about them matches but the instance.
 */
async function tokensOfAnotherInstance(userId: string): Promise<{ opaque: string; jwt: string }> {
  const own = await Instance.findById(fixture.instanceId).lean();
  const instanceId = `other-${fixture.instanceId}`;
  const org = await Organization.create({ instanceId, name: 'Other', primaryDomain: 'other.localhost' });
  const project = await Project.create({ instanceId, orgId: org._id, name: 'Other project' });
  await Instance.create({
    _id: instanceId,
    name: 'Other',
    issuer: 'http://other.localhost:1',
    domains: ['other.localhost'],
    primaryDomain: 'other.localhost',
    managementProjectId: project._id,
    defaultOrgId: org._id,
    tokenLifetimes: own!.tokenLifetimes,
  });
  await ensureSigningKeys(instanceId, fixture.server.services.masterKey);
  const common = { instanceId, projectId: project._id, orgId: org._id, type: 'oidc' as const, clientSecretHash: 'x' };
  const oidc = { redirectUris: [RP_REDIRECT_URI], grantTypes: ['authorization_code' as const] };
  await Application.create({ ...common, name: 'opaque', clientId: app.clientId, oidc });
  await Application.create({
    ...common,
    name: 'jwt',
    clientId: 'other-jwt',
    oidc: { ...oidc, accessTokenType: 'jwt' },
  });
  const tenant = await fixture.server.services.tenants.byId(instanceId);
  const { provider } = tenant!;
  const issue = async (clientId: string) => {
    const owner = await provider.Client.find(clientId);
    const grantId = await new provider.Grant({ accountId: userId, clientId }).save();
    return new provider.AccessToken({
      accountId: userId,
      client: owner!,
      grantId,
      gty: 'test',
      scope: 'openid',
    }).save();
  };
  const tokens = { opaque: await issue(app.clientId), jwt: await issue('other-jwt') };
  // Valid where they were issued.
  for (const token of Object.values(tokens)) assert.equal((await provider.AccessToken.find(token))?.accountId, userId);
  return tokens;
}

describe('subject and actor tokens', () => {
  it('refuses a revoked token, opaque or JWT, and a JWT access token presented as an ID token', async () => {
    const alice = await login(fixture, app, 'alice', 'openid email');
    const jwt = await exchange(config, { ...asSubject(alice.access_token), requested_token_type: TOKEN_TYPE.jwt });
    await client.tokenRevocation(config, alice.access_token);
    await assertInvalidInput(asSubject(alice.access_token));
    assert.equal((await exchange(config, asSubject(jwt.access_token))).issued_token_type, TOKEN_TYPE.accessToken);
    await client.tokenRevocation(config, jwt.access_token);
    await assertInvalidInput(asSubject(jwt.access_token));
    await assertInvalidInput(asSubject(jwt.access_token, TOKEN_TYPE.idToken));
  });

  it('refuses tokens of another instance, even for the same user id and client id', async () => {
    const foreign = await tokensOfAnotherInstance(await userIdOf(fixture, 'alice'));
    await assertInvalidInput(asSubject(foreign.opaque));
    await assertInvalidInput(asSubject(foreign.jwt));
    const alice = await login(fixture, app, 'alice', 'openid');
    const actor = { actor_token: foreign.jwt, actor_token_type: TOKEN_TYPE.accessToken };
    await changeSettings(fixture.instanceId, { security: { enableImpersonation: true } });
    try {
      await assertInvalidInput({ ...asSubject(alice.access_token), ...actor });
    } finally {
      await changeSettings(fixture.instanceId, { security: { enableImpersonation: false } });
    }
  });

  it('refuses a token issued to an app of another project: it is not meant for the caller', async () => {
    const projectId = await createProject(fixture, 'Other project', { orgId: fixture.orgs.ACME!, roles: [] });
    const outsider = await createOidcApp(fixture, projectId, 'outsider', { grantTypes: [...GRANTS] });
    const alice = await login(fixture, app, 'alice', 'openid');
    await assertInvalidInput(asSubject(alice.access_token), await appConfig(fixture, outsider));
    await assertInvalidInput(asSubject(alice.id_token!, TOKEN_TYPE.idToken), await appConfig(fixture, outsider));
  });

  it('refuses a missing token or token type, a refresh token, and garbage', async () => {
    const alice = await login(fixture, app, 'alice', 'openid offline_access');
    await assertInvalidInput({ subject_token_type: TOKEN_TYPE.accessToken });
    await assertInvalidInput({ subject_token: alice.access_token });
    await assertInvalidInput(asSubject(alice.refresh_token!, TOKEN_TYPE.refreshToken));
    await assertInvalidInput(asSubject('not-a-token'));
    await assertInvalidInput(asSubject('a.b.c', TOKEN_TYPE.idToken));
  });
});

describe('the calling client', () => {
  it('must be allowed the grant and authenticate: a public client is refused', async () => {
    const alice = await login(fixture, app, 'alice', 'openid');
    const plain = await createOidcApp(fixture, fixture.demoProjectId, 'no-exchange');
    const notAllowed = await refusal(await appConfig(fixture, plain), asSubject(alice.access_token));
    assert.equal(notAllowed.error, 'invalid_request');
    assert.match(notAllowed.description ?? '', /not allowed for this client/);
    const publicApp = await createOidcApp(fixture, fixture.demoProjectId, 'public-exchanger', {
      authMethod: 'none',
      appType: 'user_agent',
      grantTypes: [...GRANTS],
    });
    const unauthenticated = await refusal(await appConfig(fixture, publicApp), asSubject(alice.access_token));
    assert.equal(unauthenticated.error, 'unauthorized_client');
  });

  it('a public client is refused the grant by the management API, when created or changed (400 naming grantTypes)', async () => {
    const admin = await bootstrapToken(fixture.server);
    const apps = `/projects/${fixture.demoProjectId}/apps`;
    const spa = { type: 'oidc', name: 'SPA', redirectUris: ['https://spa.example/cb'], appType: 'user_agent' };
    const publicExchanger = { ...spa, authMethod: 'none', grantTypes: ['authorization_code', TOKEN_EXCHANGE] };
    const created = await call(fixture.server, admin, 'POST', apps, publicExchanger);
    assert.equal(created.status, 400);
    assert.match(JSON.stringify(created.body), /grantTypes/);
    const confidential = await call(fixture.server, admin, 'POST', apps, { ...publicExchanger, authMethod: 'basic' });
    assert.equal(confidential.status, 201);
    const changed = await call(fixture.server, admin, 'PATCH', `${apps}/${confidential.body.id as string}`, {
      authMethod: 'none',
    });
    assert.equal(changed.status, 400);
    assert.match(JSON.stringify(changed.body), /grantTypes/);
  });
});
