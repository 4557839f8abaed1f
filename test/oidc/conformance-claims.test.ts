// Claims as the conformance suite's Basic OP plan asks for them: the phone and address scopes (oidcc-scope-phone,
// -address, -all), the `claims` request parameter (oidcc-claims-essential), userinfo by GET, by POST with the token in
// the header or in the body (oidcc-userinfo-*), and the discovery document's fields (oidcc-server, OIDC Discovery §3).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { bootstrapToken, call } from '../api/helpers.ts';
import { authorize, callbackError, codeFlow, signIn, type AuthorizationRequest } from '../helpers/conformance.ts';
import { CookieJar } from '../helpers/login.ts';
import {
  appConfig,
  createOidcApp,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';

const ADDRESS = {
  formatted: 'Bahnhofstrasse 1, 8001 Zürich, Switzerland',
  streetAddress: 'Bahnhofstrasse 1',
  locality: 'Zürich',
  region: 'ZH',
  postalCode: '8001',
  country: 'Switzerland',
};
const ADDRESS_CLAIM = {
  formatted: ADDRESS.formatted,
  street_address: ADDRESS.streetAddress,
  locality: ADDRESS.locality,
  region: ADDRESS.region,
  postal_code: ADDRESS.postalCode,
  country: ADDRESS.country,
};

let fixture: OidcFixture;
let admin: string;
let app: TestApp;
let config: client.Configuration;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
  app = await createOidcApp(fixture, fixture.demoProjectId, 'claims-rp');
  config = await appConfig(fixture, app);
  const alice = await userIdOf(fixture, 'alice');
  const changed = await call(fixture.server, admin, 'PATCH', `/users/${alice}`, {
    phone: '+41 44 123 45 67',
    phoneVerified: true,
    address: ADDRESS,
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
});
after(() => fixture.server.stop());

function login(params: Record<string, string>) {
  const request: AuthorizationRequest = { baseUrl: fixture.baseUrl, app, config, jar: new CookieJar(), params };
  return codeFlow(request, 'alice');
}

async function userinfo(accessToken: string): Promise<Record<string, unknown>> {
  return (await client.fetchUserInfo(config, accessToken, client.skipSubjectCheck)) as Record<string, unknown>;
}

describe('the phone and address of a human (management API)', () => {
  it('are shown on the user, the phone normalised to E.164', async () => {
    const alice = await call(fixture.server, admin, 'GET', `/users/${await userIdOf(fixture, 'alice')}`);
    const human = alice.body.human as Record<string, unknown>;
    assert.equal(human.phone, '+41441234567');
    assert.equal(human.phoneVerified, true);
    assert.deepEqual(human.address, ADDRESS);
  });

  it('refuses a phone that is not a number, a verification without a number, and contact data on machines', async () => {
    const bob = `/users/${await userIdOf(fixture, 'bob')}`;
    const notANumber = await call(fixture.server, admin, 'PATCH', bob, { phone: 'call me' });
    assert.equal(notANumber.status, 400);
    assert.match(JSON.stringify(notANumber.body), /phone/);
    const unverifiable = await call(fixture.server, admin, 'PATCH', bob, { phoneVerified: true });
    assert.equal(unverifiable.status, 400);
    assert.match(JSON.stringify(unverifiable.body), /phoneVerified/);
    const unknownField = await call(fixture.server, admin, 'PATCH', bob, { address: { street: 'x' } });
    assert.equal(unknownField.status, 400);
    const machine = await call(fixture.server, admin, 'POST', `/orgs/${fixture.orgs.ACME}/users/machine`, {
      username: 'contact-less',
      name: 'No contact',
    });
    const onMachine = await call(fixture.server, admin, 'PATCH', `/users/${machine.body.id as string}`, {
      phone: '+41441234567',
    });
    assert.equal(onMachine.status, 400);
  });

  it('a new phone number is unverified unless said otherwise', async () => {
    const bob = `/users/${await userIdOf(fixture, 'bob')}`;
    const changed = await call(fixture.server, admin, 'PATCH', bob, { phone: '+1 (212) 555-0100' });
    assert.deepEqual(
      {
        phone: (changed.body.human as { phone: string }).phone,
        verified: (changed.body.human as { phoneVerified: boolean }).phoneVerified,
      },
      { phone: '+12125550100', verified: false },
    );
    const removed = await call(fixture.server, admin, 'PATCH', bob, { phone: null, address: null });
    assert.equal((removed.body.human as { phone: null }).phone, null);
  });
});

describe('scopes phone and address (oidcc-scope-phone, oidcc-scope-address, oidcc-scope-all)', () => {
  it('phone: phone_number and phone_number_verified at userinfo', async () => {
    const info = await userinfo((await login({ scope: 'openid phone' })).access_token);
    assert.equal(info.phone_number, '+41441234567');
    assert.equal(info.phone_number_verified, true);
    assert.equal(info.address, undefined);
  });

  it('address: the address claim with its OIDC field names', async () => {
    const info = await userinfo((await login({ scope: 'openid address' })).access_token);
    assert.deepEqual(info.address, ADDRESS_CLAIM);
    assert.equal(info.phone_number, undefined);
  });

  it('all scopes: every standard claim the user has', async () => {
    const info = await userinfo((await login({ scope: 'openid profile email address phone' })).access_token);
    for (const claim of ['name', 'given_name', 'family_name', 'email', 'email_verified', 'phone_number', 'address'])
      assert.ok(claim in info, `${claim} at userinfo`);
  });
});

describe('the claims request parameter (OIDC Core 5.5, oidcc-claims-essential)', () => {
  it('puts the claims asked for in the ID token and at userinfo, whatever the scopes', async () => {
    const claims = {
      id_token: { email: null, phone_number: { essential: true } },
      userinfo: { name: { essential: true }, address: null },
    };
    const tokens = await login({ scope: 'openid', claims: JSON.stringify(claims) });
    const idToken = tokens.claims()!;
    assert.equal(idToken.email, 'alice@alpha.localhost');
    assert.equal(idToken.phone_number, '+41441234567');
    assert.equal(idToken.address, undefined, 'not asked for in the ID token');
    const info = await userinfo(tokens.access_token);
    assert.deepEqual(info.address, ADDRESS_CLAIM);
    assert.equal(typeof info.name, 'string');
    assert.equal(info.given_name, undefined, 'only what was asked for');
    assert.equal(info.email, undefined, 'the ID token member does not reach userinfo');
  });

  it('an essential acr or a sub value the login cannot give ends with an error, not with the login again', async () => {
    const bob = await userIdOf(fixture, 'bob');
    const cases: Array<[object, string]> = [
      [
        { id_token: { acr: { essential: true, values: ['urn:example:unreachable'] } } },
        'unmet_authentication_requirements',
      ],
      [{ id_token: { sub: { value: bob } } }, 'access_denied'],
    ];
    for (const [claims, error] of cases) {
      const jar = new CookieJar();
      const request = {
        baseUrl: fixture.baseUrl,
        app,
        config,
        jar,
        params: { scope: 'openid', claims: JSON.stringify(claims) },
      };
      const flow = await authorize(request);
      assert.match(flow.page?.html ?? '', /name="loginName"/, 'a login first');
      assert.equal(callbackError(await signIn(flow, 'alice')), error);
    }
  });

  it('a sub value naming the user who signs in gives the ID token', async () => {
    const alice = await userIdOf(fixture, 'alice');
    const tokens = await login({ scope: 'openid', claims: JSON.stringify({ id_token: { sub: { value: alice } } }) });
    assert.equal(tokens.claims()!.sub, alice);
  });

  it('a claims parameter that is not JSON is refused', async () => {
    const url = client.buildAuthorizationUrl(config, { redirect_uri: app.redirectUri, scope: 'openid', claims: '{' });
    const response = await fetch(url, { redirect: 'manual' });
    const location = new URL(response.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
  });
});

describe('userinfo (oidcc-userinfo-get, -post-header, -post-body)', () => {
  it('answers GET, POST with the bearer in the header, and POST with the token in the form body', async () => {
    const { access_token: token } = await login({ scope: 'openid email' });
    const endpoint = `${fixture.baseUrl}/oidc/v1/userinfo`;
    const answers = await Promise.all([
      fetch(endpoint, { headers: { authorization: `Bearer ${token}` } }),
      fetch(endpoint, { method: 'POST', headers: { authorization: `Bearer ${token}` } }),
      fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: token }),
      }),
    ]);
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.equal(((await answer.json()) as { email: string }).email, 'alice@alpha.localhost');
    }
  });
});

describe('discovery (OIDC Discovery 1.0 §3)', () => {
  it('advertises what Castellan does', async () => {
    const metadata = config.serverMetadata();
    assert.equal(metadata.issuer, fixture.baseUrl);
    assert.equal(metadata.claims_parameter_supported, true);
    for (const scope of ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'])
      assert.ok(metadata.scopes_supported?.includes(scope), scope);
    for (const claim of ['sub', 'email', 'phone_number', 'address', 'auth_time'])
      assert.ok(metadata.claims_supported?.includes(claim), claim);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.ok(metadata.response_types_supported?.includes('code'));
    assert.ok(metadata.id_token_signing_alg_values_supported?.includes('RS256'));
    for (const method of ['client_secret_basic', 'client_secret_post'])
      assert.ok(metadata.token_endpoint_auth_methods_supported?.includes(method), method);
    assert.ok(metadata.grant_types_supported?.includes('refresh_token'));
    assert.equal(metadata.end_session_endpoint, `${fixture.baseUrl}/oidc/v1/end_session`);
    assert.equal(metadata.userinfo_endpoint, `${fixture.baseUrl}/oidc/v1/userinfo`);
    assert.ok(metadata.subject_types_supported?.includes('public'));
  });
});
