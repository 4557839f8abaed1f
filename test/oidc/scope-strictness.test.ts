// Which reserved scopes behave strictly (instance setting `strictReservedScopes`, issue 19): each scope kind naming
// something the instance does not have, read strictly (the authorization is refused) and leniently (the scope is let
// through or ignored), through openid-client and the login UI. Defaults: docs/zitadel-behaviour.md §1.2, §1.3.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { secretHash } from '../../src/platform/crypto.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { User } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { clientConfig, parseForm, startLogin } from '../helpers/login.ts';
import { appConfig, demoApp, introspect, login, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const UNKNOWN_ID = '999999999';
const SCOPE = {
  orgId: (id: string) => `urn:zitadel:iam:org:id:${id}`,
  orgDomainPrimary: (domain: string) => `urn:zitadel:iam:org:domain:primary:${domain}`,
  aud: (projectId: string) => `urn:zitadel:iam:org:project:id:${projectId}:aud`,
  rolesOf: (orgId: string) => `urn:zitadel:iam:org:roles:id:${orgId}`,
  idp: (idpId: string) => `urn:zitadel:iam:org:idp:id:${idpId}`,
  role: (key: string) => `urn:zitadel:iam:org:project:role:${key}`,
};
const MACHINE = 'strictness-bot';
const MACHINE_SECRET = 'strictness-bot-secret-0123456789abcdef';

let fixture: OidcFixture;
let admin: string;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
  await User.create({
    instanceId: fixture.instanceId,
    orgId: fixture.orgs.Beta,
    type: 'machine',
    username: MACHINE,
    machine: {
      name: 'Strictness bot',
      accessTokenType: 'jwt',
      secretHash: secretHash(clientSecretHashKey(fixture.server.services.masterKey), MACHINE_SECRET),
    },
  });
});
after(() => fixture.server.stop());

/** Sets some kinds strict or lenient for the test, and the defaults back afterwards. */
async function withStrictness(change: Record<string, boolean>, body: () => Promise<void>): Promise<void> {
  const set = async (values: Record<string, boolean>) => {
    const response = await call(fixture.server, admin, 'PATCH', '/instance/settings', { strictReservedScopes: values });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  };
  await set(change);
  try {
    await body();
  } finally {
    await set({
      orgId: true,
      orgDomainPrimary: true,
      projectAudience: false,
      roleOrgId: false,
      idpId: true,
      projectRole: false,
    });
  }
}

/** Where /authorize sends the browser for the demo RP's request with `scope`. */
async function authorizeRedirect(scope: string): Promise<URL> {
  const config = await appConfig(fixture, demoApp(fixture));
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: demoApp(fixture).redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: 's',
  });
  const response = await fetch(url, { redirect: 'manual' });
  return new URL(response.headers.get('location')!, fixture.baseUrl);
}

async function refusedWith(scope: string, error: string): Promise<void> {
  const redirect = await authorizeRedirect(scope);
  assert.equal(redirect.pathname, '/demo/callback', `${scope} is refused at the client`);
  assert.equal(redirect.searchParams.get('error'), error, redirect.searchParams.get('error_description') ?? '');
}

const demoLogin = (scope: string) => login(fixture, demoApp(fixture), 'alice', scope);

describe('org scopes naming no org', () => {
  it('refuse the authorization by default (invalid_request), by id and by primary domain', async () => {
    await refusedWith(`openid ${SCOPE.orgId(UNKNOWN_ID)}`, 'invalid_request');
    await refusedWith(`openid ${SCOPE.orgDomainPrimary('nowhere.localhost')}`, 'invalid_request');
  });

  it('are dropped when lenient: the login is not restricted and no org claim is emitted', async () => {
    await withStrictness({ orgId: false }, async () => {
      const tokens = await demoLogin(`openid ${SCOPE.orgId(UNKNOWN_ID)}`);
      assert.equal(tokens.claims()?.['urn:zitadel:iam:org:id'], undefined);
      assert.doesNotMatch(tokens.scope ?? '', /urn:zitadel:iam:org:id:/);
      // Each kind on its own: the domain scope stays strict.
      await refusedWith(`openid ${SCOPE.orgDomainPrimary('nowhere.localhost')}`, 'invalid_request');
    });
    await withStrictness({ orgDomainPrimary: false }, async () => {
      const tokens = await demoLogin(`openid ${SCOPE.orgDomainPrimary('nowhere.localhost')}`);
      assert.equal(tokens.claims()?.['urn:zitadel:iam:org:domain:primary'], undefined);
      await refusedWith(`openid ${SCOPE.orgId(UNKNOWN_ID)}`, 'invalid_request');
    });
  });

  it('lenient or not, a known org still restricts the login and two different orgs still conflict', async () => {
    await withStrictness({ orgId: false, orgDomainPrimary: false }, async () => {
      const tokens = await demoLogin(`openid ${SCOPE.orgId(UNKNOWN_ID)} ${SCOPE.orgId(fixture.orgs.Alpha!)}`);
      assert.equal(tokens.claims()?.['urn:zitadel:iam:org:id'], fixture.orgs.Alpha);
      await refusedWith(
        `openid ${SCOPE.orgId(fixture.orgs.Alpha!)} ${SCOPE.orgDomainPrimary('beta.localhost')}`,
        'invalid_scope',
      );
    });
  });
});

describe('project audience scopes naming no project', () => {
  it('put the id in the audience unchecked by default, as ZITADEL does', async () => {
    const tokens = await demoLogin(`openid ${SCOPE.aud(UNKNOWN_ID)}`);
    const active = await introspect(await appConfig(fixture, demoApp(fixture)), tokens.access_token);
    assert.ok((active.aud as string[]).includes(UNKNOWN_ID), JSON.stringify(active.aud));
  });

  it('refuse the authorization with invalid_scope when strict; known projects and the zitadel alias pass', async () => {
    await withStrictness({ projectAudience: true }, async () => {
      await refusedWith(`openid ${SCOPE.aud(UNKNOWN_ID)}`, 'invalid_scope');
      const tokens = await demoLogin(`openid ${SCOPE.aud(fixture.managementProjectId)} ${SCOPE.aud('zitadel')}`);
      const active = await introspect(await appConfig(fixture, demoApp(fixture)), tokens.access_token);
      assert.ok((active.aud as string[]).includes(fixture.managementProjectId));
      const machine = await clientConfig(fixture.baseUrl, MACHINE, MACHINE_SECRET);
      await assert.rejects(client.clientCredentialsGrant(machine, { scope: SCOPE.aud(UNKNOWN_ID) }), {
        error: 'invalid_scope',
      });
      const granted = await client.clientCredentialsGrant(machine, { scope: SCOPE.aud(fixture.demoProjectId) });
      assert.ok(granted.access_token);
    });
  });
});

describe('role org scopes naming no org', () => {
  it('are kept by default (they match no grant) and refuse the authorization with invalid_scope when strict', async () => {
    const lenient = await demoLogin(`openid ${SCOPE.rolesOf(UNKNOWN_ID)}`);
    assert.equal(lenient.claims()?.['urn:zitadel:iam:org:project:roles'], undefined);
    await withStrictness({ roleOrgId: true }, async () => {
      await refusedWith(`openid ${SCOPE.rolesOf(UNKNOWN_ID)}`, 'invalid_scope');
      assert.ok((await demoLogin(`openid ${SCOPE.rolesOf(fixture.orgs.Beta!)}`)).access_token);
    });
  });
});

describe('IdP scopes naming an IdP the login does not offer', () => {
  it('show an error page by default, and the usual login when lenient', async () => {
    const options = { ...demoApp(fixture), baseUrl: fixture.baseUrl, scope: `openid ${SCOPE.idp(UNKNOWN_ID)}` };
    const strict = await startLogin(options);
    assert.equal(strict.callbackUrl, null);
    assert.equal(strict.page?.status, 403);
    await withStrictness({ idpId: false }, async () => {
      const lenient = await startLogin(options);
      assert.equal(lenient.page?.status, 200);
      assert.ok('loginName' in (parseForm(lenient.page!.html, lenient.page!.url)?.inputs ?? {}));
    });
  });
});

describe("role scopes naming no role of the client's project", () => {
  it('are dropped by default and refuse the authorization with invalid_scope when strict', async () => {
    const lenient = await demoLogin(`openid ${SCOPE.role('no-such-role')} ${SCOPE.role('developer')}`);
    const scopes = (lenient.scope ?? '').split(' ');
    assert.ok(scopes.includes(SCOPE.role('developer')) && !scopes.includes(SCOPE.role('no-such-role')), lenient.scope);
    await withStrictness({ projectRole: true }, async () => {
      await refusedWith(`openid ${SCOPE.role('no-such-role')}`, 'invalid_scope');
      assert.ok((await demoLogin(`openid ${SCOPE.role('developer')}`)).access_token);
    });
  });
});
