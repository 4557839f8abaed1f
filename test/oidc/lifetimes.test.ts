// Token lifetimes: the instance's, overridden per organization and per project, field by field (issue 3:
// ZITADEL has instance lifetimes only). Checked as the relying party sees them: expires_in and exp − iat.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { secretHash } from '../../src/platform/crypto.ts';
import { Organization, Project, User } from '../../src/store/models/index.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { clientConfig } from '../helpers/login.ts';
import {
  appConfig,
  createOidcApp,
  createProject,
  introspect,
  login,
  startOidcFixture,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';

let fixture: OidcFixture;
/** ACME overrides some lifetimes; its project "Short-lived" overrides some of those again. Alpha overrides none. */
let shortProject: string;
let shortApp: TestApp;
let orgApp: TestApp;
let instanceApp: TestApp;

function lifetime(claims: { iat?: unknown; exp?: unknown }): number {
  return (claims.exp as number) - (claims.iat as number);
}

before(async () => {
  fixture = await startOidcFixture();
  const { orgs } = fixture;
  await Organization.updateOne(
    { _id: orgs.ACME },
    { $set: { tokenLifetimes: { accessTokenSeconds: 300, idTokenSeconds: 400, refreshTokenIdleSeconds: 7200 } } },
  );
  await Organization.updateOne({ _id: orgs.Beta }, { $set: { tokenLifetimes: { accessTokenSeconds: 600 } } });
  shortProject = await createProject(fixture, 'Short-lived', {
    orgId: orgs.ACME!,
    roles: [],
    tokenLifetimes: { accessTokenSeconds: 900, idTokenSeconds: 1200 },
  });
  shortApp = await createOidcApp(fixture, shortProject, 'short-rp');
  orgApp = await createOidcApp(
    fixture,
    await createProject(fixture, 'ACME defaults', { orgId: orgs.ACME!, roles: [] }),
    'acme-rp',
    { accessTokenType: 'jwt' },
  );
  instanceApp = await createOidcApp(
    fixture,
    await createProject(fixture, 'Alpha tools', { orgId: orgs.Alpha!, roles: [] }),
    'alpha-rp',
  );
});
after(() => fixture.server.stop());

describe('token lifetimes', () => {
  it('without overrides, the instance’s lifetimes apply', async () => {
    const instance = fixture.server.config.tokenLifetimes;
    const tokens = await login(fixture, instanceApp, 'alice', 'openid offline_access');
    assert.equal(tokens.expires_in, instance.accessTokenSeconds);
    assert.equal(lifetime(tokens.claims()!), instance.idTokenSeconds);
    assert.equal(
      lifetime(await introspect(await appConfig(fixture, instanceApp), tokens.refresh_token!)),
      instance.refreshTokenIdleSeconds,
    );
  });

  it('an organization’s override applies to its projects’ applications (JWT access token included)', async () => {
    const tokens = await login(fixture, orgApp, 'alice', 'openid offline_access');
    assert.equal(tokens.expires_in, 300);
    assert.equal(lifetime(decodeJwt(tokens.access_token)), 300);
    assert.equal(lifetime(tokens.claims()!), 400);
    assert.equal(lifetime(await introspect(await appConfig(fixture, orgApp), tokens.refresh_token!)), 7200);
  });

  it('a project’s override wins over its organization’s, field by field, also after a refresh', async () => {
    const config = await appConfig(fixture, shortApp);
    const tokens = await login(fixture, shortApp, 'alice', 'openid offline_access');
    assert.equal(tokens.expires_in, 900);
    assert.equal(lifetime(tokens.claims()!), 1200);
    assert.equal(lifetime(await introspect(config, tokens.access_token)), 900);
    assert.equal(lifetime(await introspect(config, tokens.refresh_token!)), 7200, 'the org’s refresh idle lifetime');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.equal(refreshed.expires_in, 900);
    assert.equal(lifetime(refreshed.claims()!), 1200);
  });

  it('a changed override applies to the next token', async () => {
    await Project.updateOne({ _id: shortProject }, { $set: { 'tokenLifetimes.accessTokenSeconds': 1800 } });
    const tokens = await login(fixture, shortApp, 'alice', 'openid');
    assert.equal(tokens.expires_in, 1800);
  });

  it('a machine user gets its organization’s override (client credentials)', async () => {
    const secret = 'lifetime-bot-secret-0123456789abcdef';
    await User.create({
      instanceId: fixture.instanceId,
      orgId: fixture.orgs.Beta,
      type: 'machine',
      username: 'lifetime-bot',
      machine: {
        name: 'Lifetime bot',
        secretHash: secretHash(clientSecretHashKey(fixture.server.services.masterKey), secret),
      },
    });
    const config = await clientConfig(fixture.baseUrl, 'lifetime-bot', secret);
    const tokens = await client.clientCredentialsGrant(config, {});
    assert.equal(tokens.expires_in, 600);
    assert.equal(lifetime(await introspect(config, tokens.access_token)), 600);
  });
});

describe('application clock skew', () => {
  it('is added to exp and subtracted from iat and nbf of the ID token and the JWT access token; expires_in is unchanged', async () => {
    const { accessTokenSeconds, idTokenSeconds } = fixture.server.config.tokenLifetimes;
    const project = await createProject(fixture, 'Skewed', { orgId: fixture.orgs.Alpha!, roles: [] });
    const skewed = await createOidcApp(fixture, project, 'skewed-rp', { clockSkewSeconds: 5, accessTokenType: 'jwt' });
    const tokens = await login(fixture, skewed, 'alice', 'openid');
    assert.equal(tokens.expires_in, accessTokenSeconds);
    const access = decodeJwt(tokens.access_token);
    assert.equal(lifetime(access), accessTokenSeconds + 10);
    assert.equal(access.nbf, access.iat);
    // The provider takes the ID token's iat and exp from two clock readings, which may straddle a second.
    const idToken = lifetime(tokens.claims()!);
    assert.ok(idToken === idTokenSeconds + 10 || idToken === idTokenSeconds + 11, `ID token lifetime ${idToken}`);
  });
});
