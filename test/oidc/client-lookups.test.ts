// The provider's clients as Castellan looks them up (src/oidc/library-overrides-lookups.ts keeps the Client built from
// each metadata object of the instance cache): a change to an application reaches the next request at once, in this
// process, and a JWT-shaped token that is none of Castellan's is still refused as the library refuses it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Application } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { createOidcApp, login, startOidcFixture, type OidcFixture, type TestApp } from '../helpers/oidc.ts';

let fixture: OidcFixture;
let admin: string;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
});
after(() => fixture.server.stop());

async function introspection(clientId: string, secret: string, token: string): Promise<[number, unknown]> {
  const response = await fetch(`${fixture.baseUrl}/oauth/v2/introspect`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }),
  });
  const body = (await response.json()) as { active?: boolean; error?: string };
  return [response.status, body.error ?? body.active];
}

async function appPath(app: TestApp): Promise<string> {
  const stored = await Application.findOne({ instanceId: fixture.instanceId, clientId: app.clientId }).lean();
  return `/projects/${stored!.projectId}/apps/${stored!._id}`;
}

describe('client look-ups', () => {
  it('refuse an application’s old secret as soon as a new one is generated, and accept the new one', async () => {
    const app = await createOidcApp(fixture, fixture.demoProjectId, 'lookups-secret', { accessTokenType: 'bearer' });
    const { access_token: token } = await login(fixture, app, 'alice', 'openid');
    assert.deepEqual(await introspection(app.clientId, app.clientSecret!, token), [200, true]);
    const regenerated = await call(fixture.server, admin, 'POST', `${await appPath(app)}/secret`);
    assert.equal(regenerated.status, 200);
    assert.deepEqual(await introspection(app.clientId, app.clientSecret!, token), [401, 'invalid_client']);
    assert.deepEqual(await introspection(app.clientId, regenerated.body.clientSecret as string, token), [200, true]);
  });

  it('refuse a deactivated application at once, and serve it again once reactivated', async () => {
    const app = await createOidcApp(fixture, fixture.demoProjectId, 'lookups-state', { accessTokenType: 'bearer' });
    const { access_token: token } = await login(fixture, app, 'alice', 'openid');
    assert.deepEqual(await introspection(app.clientId, app.clientSecret!, token), [200, true]);
    const path = await appPath(app);
    assert.equal((await call(fixture.server, admin, 'POST', `${path}/deactivate`)).status, 200);
    assert.deepEqual(await introspection(app.clientId, app.clientSecret!, token), [401, 'invalid_client']);
    assert.equal((await call(fixture.server, admin, 'POST', `${path}/reactivate`)).status, 200);
    assert.deepEqual(await introspection(app.clientId, app.clientSecret!, token), [200, true]);
  });

  it('refuse a JWT that is none of the instance’s at introspection as the library does', async () => {
    const app = await createOidcApp(fixture, fixture.demoProjectId, 'lookups-jwt', { accessTokenType: 'bearer' });
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'elsewhere' })).toString('base64url');
    const foreign = `${header}.${Buffer.from('{"jti":"x"}').toString('base64url')}.c2lnbmF0dXJl`;
    assert.deepEqual(await introspection(app.clientId, app.clientSecret!, foreign), [400, 'unsupported_token_type']);
    assert.deepEqual(await introspection(app.clientId, app.clientSecret!, 'not-a-token'), [200, false]);
    assert.deepEqual(await introspection(app.clientId, app.clientSecret!, `${header}.two-parts`), [200, false]);
  });
});
