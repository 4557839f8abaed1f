// Issue 18's first part: token lifetimes per org and per project, an app's flat `roles` claim and its clock skew are
// set through the management API (validated, audited) and honoured by the provider, as the relying party sees them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoRp, login, RP_REDIRECT_URI, startOidcFixture, type OidcFixture, type TestApp } from '../helpers/oidc.ts';
import { bootstrapToken, call } from './helpers.ts';

let fixture: OidcFixture;
let token: string;
/** An app of seed 002's project, created through the API. */
let app: TestApp & { id: string };
const { demoLogin } = demoRp(() => fixture);
const UNSET = {
  accessTokenSeconds: null,
  idTokenSeconds: null,
  refreshTokenIdleSeconds: null,
  refreshTokenAbsoluteSeconds: null,
};

before(async () => {
  fixture = await startOidcFixture();
  token = await bootstrapToken(fixture.server);
  const created = await api('POST', `/projects/${fixture.demoProjectId}/apps`, {
    type: 'oidc',
    name: 'Skewed RP',
    redirectUris: [RP_REDIRECT_URI],
    idTokenRoleAssertion: true,
  });
  const { id, clientId, clientSecret } = created.body as { id: string; clientId: string; clientSecret: string };
  app = { id, clientId, clientSecret, redirectUri: RP_REDIRECT_URI };
});
after(() => fixture.server.stop());

const api = (method: string, path: string, body?: unknown) => call(fixture.server, token, method, path, body);

async function eventsOf(resourceId: string, type: string) {
  const { body } = await api('GET', `/events?resourceId=${resourceId}`);
  return (body.events as Array<{ type: string; payload: unknown }>).filter((event) => event.type === type);
}

describe('token lifetimes through the API', () => {
  it('an org’s and then its project’s override reach the next token; null inherits again', async () => {
    const acme = fixture.orgs.ACME!;
    assert.deepEqual((await api('GET', `/orgs/${acme}/token-lifetimes`)).body, UNSET);
    const orgSet = await api('PUT', `/orgs/${acme}/token-lifetimes`, { ...UNSET, accessTokenSeconds: 300 });
    assert.equal(orgSet.status, 200, JSON.stringify(orgSet.body));
    assert.equal((await demoLogin('alice')).expires_in, 300);

    const project = `/projects/${fixture.demoProjectId}/token-lifetimes`;
    assert.equal((await api('PUT', project, { ...UNSET, accessTokenSeconds: 900 })).status, 200);
    assert.deepEqual((await api('GET', project)).body, { ...UNSET, accessTokenSeconds: 900 });
    assert.equal((await demoLogin('alice')).expires_in, 900);

    assert.equal((await api('PUT', project, UNSET)).status, 200);
    assert.equal((await demoLogin('alice')).expires_in, 300);
    assert.equal((await api('PUT', `/orgs/${acme}/token-lifetimes`, UNSET)).status, 200);
    assert.equal((await demoLogin('alice')).expires_in, fixture.server.config.tokenLifetimes.accessTokenSeconds);
    // Newest first: the override, then its removal.
    const audited = (await eventsOf(acme, 'org.token_lifetimes.set')).map((event) => event.payload);
    assert.deepEqual(audited, [UNSET, { ...UNSET, accessTokenSeconds: 300 }]);
  });

  it('refuses a value out of range, an unknown field and an idle refresh lifetime beyond the absolute one', async () => {
    const path = `/orgs/${fixture.orgs.Alpha}/token-lifetimes`;
    const tooShort = await api('PUT', path, { ...UNSET, idTokenSeconds: 10 });
    assert.equal(tooShort.status, 400);
    assert.match(String(tooShort.body.detail ?? tooShort.body.title), /idTokenSeconds/);
    assert.equal((await api('PUT', path, { ...UNSET, sessionSeconds: 600 })).status, 400);
    const inverted = await api('PUT', path, {
      ...UNSET,
      refreshTokenIdleSeconds: 7200,
      refreshTokenAbsoluteSeconds: 3600,
    });
    assert.equal(inverted.status, 400);
    assert.match(JSON.stringify(inverted.body), /refreshTokenIdleSeconds/);
    assert.deepEqual((await api('GET', path)).body, UNSET);
  });
});

describe('an application’s flat roles claim and clock skew through the API', () => {
  it('are shown, changed, audited and honoured by the next token', async () => {
    const path = `/projects/${fixture.demoProjectId}/apps/${app.id}`;
    const rolesScope = 'openid urn:zitadel:iam:org:project:roles';
    assert.equal((await api('PATCH', path, { flatRolesClaim: false })).status, 200);
    const shown = (await api('GET', path)).body.oidc as Record<string, unknown>;
    assert.deepEqual([shown.flatRolesClaim, shown.clockSkewSeconds], [false, 0]);
    assert.equal((await login(fixture, app, 'alice', rolesScope)).claims()!.roles, undefined);
    const changed = await api('PATCH', path, { flatRolesClaim: true, clockSkewSeconds: 5 });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const tokens = await login(fixture, app, 'alice', rolesScope);
    const claims = tokens.claims()!;
    assert.deepEqual(claims.roles, ['accountant']);
    // exp and iat move 5 seconds apart each (oidc/accounts.ts); the two clock readings may straddle a second.
    const skewed =
      (claims.exp as number) - (claims.iat as number) - fixture.server.config.tokenLifetimes.idTokenSeconds;
    assert.ok(skewed === 10 || skewed === 11, `ID token lifetime beyond the configured one: ${skewed}`);
    assert.equal((await eventsOf(app.id, 'application.changed')).length, 2);
  });

  it('refuses a clock skew beyond 5 seconds, naming the field', async () => {
    const path = `/projects/${fixture.demoProjectId}/apps/${app.id}`;
    const refused = await api('PATCH', path, { clockSkewSeconds: 6 });
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /clockSkewSeconds/);
  });
});
