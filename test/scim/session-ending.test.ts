// Deactivating or deleting a user through SCIM (PUT, PATCH, DELETE, and the same inside Bulk) ends the user's
// sessions exactly as the management API does (test/oidc/session-termination.test.ts): the refresh token stops
// working and each app with a back-channel logout URI gets a logout token (a real receiver on loopback).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { bootstrapToken } from '../api/helpers.ts';
import { CookieJar } from '../helpers/login.ts';
import { appConfig, createOidcApp, login, startOidcFixture, type OidcFixture, type TestApp } from '../helpers/oidc.ts';
import { startLogoutReceiver, verifyLogoutToken, type LogoutReceiver } from '../helpers/logout-receiver.ts';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { provisioningToken, scim } from './helpers.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

let fixture: OidcFixture;
let receiver: LogoutReceiver;
let provisioner: string;
let acme: string;
let app: TestApp;

before(async () => {
  fixture = await startOidcFixture({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  receiver = await startLogoutReceiver();
  acme = fixture.orgs.ACME!;
  const owner = await bootstrapToken(fixture.server);
  provisioner = await provisioningToken(fixture.server, owner, acme, ['ORG_USER_MANAGER']);
  app = await createOidcApp(fixture, fixture.demoProjectId, 'scim-rp', {
    devMode: true,
    backChannelLogoutUri: `${receiver.origin}/scim-ended`,
    backChannelLogoutSessionRequired: true,
  });
});
after(async () => {
  await receiver.close();
  await fixture.server.stop();
});
beforeEach(() => receiver.deliveries.splice(0));

const call = (method: string, path: string, body?: unknown) =>
  scim(fixture.server, provisioner, acme, method, path, body);

/** A user provisioned through SCIM, signed in to the app with offline access (a refresh token outlives a logout). */
async function provisionedAndSignedIn(userName: string) {
  const created = await call('POST', '/Users', {
    schemas: [USER],
    userName,
    name: { givenName: 'Sam', familyName: 'Leaver' },
    emails: [{ value: `${userName}@example.org`, primary: true }],
    password: DEMO_PASSWORD,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const tokens = await login(fixture, app, userName, 'openid offline_access', new CookieJar());
  return { userId: created.body.id as string, tokens };
}

async function refreshFailsWithInvalidGrant(refreshToken: string): Promise<boolean> {
  try {
    await client.refreshTokenGrant(await appConfig(fixture, app), refreshToken);
    return false;
  } catch (error) {
    assert.ok(error instanceof client.ResponseBodyError, String(error));
    assert.equal(error.error, 'invalid_grant');
    return true;
  }
}

async function assertSessionEnded(signedIn: Awaited<ReturnType<typeof provisionedAndSignedIn>>) {
  assert.equal(await refreshFailsWithInvalidGrant(signedIn.tokens.refresh_token!), true);
  const told = await Promise.all(
    receiver.deliveries
      .filter((delivery) => delivery.path === '/scim-ended')
      .map((delivery) => verifyLogoutToken(fixture.baseUrl, delivery.logoutToken!, app.clientId)),
  );
  assert.deepEqual(
    told.map(({ sub, sid }) => ({ sub, sid })),
    [{ sub: signedIn.userId, sid: decodeJwt(signedIn.tokens.id_token!).sid }],
  );
}

describe('SCIM ends the sessions of a user it deactivates or deletes', () => {
  it('PATCH active=false', async () => {
    const signedIn = await provisionedAndSignedIn('patch.leaver');
    const patched = await call('PATCH', `/Users/${signedIn.userId}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.active, false);
    await assertSessionEnded(signedIn);
  });

  it('PUT with active false', async () => {
    const signedIn = await provisionedAndSignedIn('put.leaver');
    const current = await call('GET', `/Users/${signedIn.userId}`);
    const { meta: _meta, ...resource } = current.body;
    const replaced = await call('PUT', `/Users/${signedIn.userId}`, { ...resource, active: false });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    await assertSessionEnded(signedIn);
  });

  it('DELETE', async () => {
    const signedIn = await provisionedAndSignedIn('delete.leaver');
    assert.equal((await call('DELETE', `/Users/${signedIn.userId}`)).status, 204);
    await assertSessionEnded(signedIn);
  });

  it('a Bulk PATCH active=false', async () => {
    const signedIn = await provisionedAndSignedIn('bulk.leaver');
    const done = await call('POST', '/Bulk', {
      schemas: [BULK],
      Operations: [
        {
          method: 'PATCH',
          path: `/Users/${signedIn.userId}`,
          data: { schemas: [PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] },
        },
      ],
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(
      (done.body.Operations as Array<{ status: string }>).map((result) => result.status),
      ['200'],
    );
    await assertSessionEnded(signedIn);
  });
});
