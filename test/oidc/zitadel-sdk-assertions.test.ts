// ZITADEL's own Node clients authenticating with an application key file (private_key_jwt), against a running
// Castellan (issue 14, items 2 and 3): passport-zitadel's introspection strategy signs one assertion without `jti` and
// reuses it for an hour; @zitadel/node's Application signs assertions without `jti` (it has no introspection client of
// its own: its assertion goes to openid-client 6's introspection). The key file is built here from a locally generated
// RSA key whose public key is uploaded with the app key route.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Application } from '@zitadel/node/dist/credentials/index.js';
import { exportJWK } from 'jose';
import * as client from 'openid-client';
import { ZitadelIntrospectionStrategy } from 'passport-zitadel';
import { DEMO_CLIENT_ID } from '../../src/domain/setup/demo.ts';
import { Instance } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { demoRp, startOidcFixture, userIdOf, type OidcFixture } from '../helpers/oidc.ts';

/** ZITADEL's application key file (`{"type":"application","keyId","key","appId","clientId"}`). */
interface ApplicationKeyFile {
  type: 'application';
  keyId: string;
  key: string;
  appId: string;
  clientId: string;
}

let fixture: OidcFixture;
let admin: string;
let keyFile: ApplicationKeyFile;
const { demoLogin } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture();
  // The strict-mode test is refused on purpose; the throttle must not turn its refusals into 429.
  const generous = { max: 1000, windowSeconds: 60 };
  await Instance.updateOne(
    { _id: fixture.instanceId },
    { $set: { rateLimits: { clientAuthFailuresPerClient: generous, clientAuthFailuresPerIp: generous } } },
  );
  admin = await bootstrapToken(fixture.server);
  // An API app of the demo project: the demo RP's tokens name every client id of the project in their audience.
  const app = await call(fixture.server, admin, 'POST', `/projects/${fixture.demoProjectId}/apps`, {
    type: 'api',
    name: 'Resource server',
    authMethod: 'private_key_jwt',
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const appId = app.body.id as string;
  const key = await call(fixture.server, admin, 'POST', `/projects/${fixture.demoProjectId}/apps/${appId}/keys`, {
    jwk: await exportJWK(publicKey),
  });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  keyFile = {
    type: 'application',
    keyId: key.body.keyId as string,
    key: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    appId,
    clientId: app.body.clientId as string,
  };
});
after(() => fixture.server.stop());

type BearerRequest = Parameters<ZitadelIntrospectionStrategy['authenticate']>[0];
type Outcome = { success: Record<string, unknown> } | { fail: unknown } | { error: unknown };

/** One request through the passport strategy, as passport drives it (success, fail or error). */
function authenticate(strategy: ZitadelIntrospectionStrategy, accessToken: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const driven = Object.assign(Object.create(strategy) as ZitadelIntrospectionStrategy, {
      success: (user: Record<string, unknown>) => resolve({ success: user }),
      fail: (info: unknown) => resolve({ fail: info }),
      error: (error: unknown) => resolve({ error }),
    });
    // The strategy reads only the request's Authorization header.
    const request = { headers: { authorization: `Bearer ${accessToken}` } } as unknown as BearerRequest;
    void driven.authenticate(request);
  });
}

async function setStrict(strictClientAssertions: boolean): Promise<void> {
  const response = await call(fixture.server, admin, 'PATCH', '/instance/settings', {
    oidc: { strictClientAssertions },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
}

describe('passport-zitadel introspection with an application key file', () => {
  it('introspects with its assertion without jti, and again with the same assertion', async () => {
    const strategy = await ZitadelIntrospectionStrategy.create({
      authority: fixture.baseUrl,
      authorization: { type: 'jwt-profile', profile: keyFile },
    });
    const alice = await demoLogin('alice', 'openid profile');
    const first = await authenticate(strategy, alice.access_token);
    assert.ok('success' in first, JSON.stringify(first));
    assert.equal(first.success.active, true);
    assert.equal(first.success.sub, await userIdOf(fixture, 'alice'));
    // The strategy keeps its assertion for an hour: this request sends the same one again.
    const bob = await demoLogin('bob', 'openid');
    const second = await authenticate(strategy, bob.access_token);
    assert.ok('success' in second, JSON.stringify(second));
    assert.equal(second.success.sub, await userIdOf(fixture, 'bob'));
    const unknown = await authenticate(strategy, 'not-a-token');
    assert.deepEqual(unknown, { fail: { message: 'Token is not active' } });
  });

  it('is refused when the instance asks for strict client assertions', async () => {
    await setStrict(true);
    try {
      const strategy = await ZitadelIntrospectionStrategy.create({
        authority: fixture.baseUrl,
        authorization: { type: 'jwt-profile', profile: keyFile },
      });
      const outcome = await authenticate(strategy, (await demoLogin('alice', 'openid')).access_token);
      assert.ok('error' in outcome);
      assert.equal((outcome.error as { response?: { status: number } }).response?.status, 401);
    } finally {
      await setStrict(false);
    }
  });
});

describe('@zitadel/node Application key file', () => {
  it('signs assertions without jti that authenticate at introspection, each as often as needed', async () => {
    const application = Application.fromJson(keyFile);
    const assertion = await application.getSignedJwt(fixture.baseUrl);
    const config = await client.discovery(
      new URL(fixture.baseUrl),
      keyFile.clientId,
      undefined,
      (_as, _client, body) => {
        body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
        body.set('client_assertion', assertion);
      },
      { execute: [client.allowInsecureRequests] },
    );
    const tokens = await demoLogin('alice', 'openid');
    for (let use = 0; use < 3; use += 1) {
      const introspection = await client.tokenIntrospection(config, tokens.access_token);
      assert.equal(introspection.active, true);
      assert.equal(introspection.client_id, DEMO_CLIENT_ID);
    }
  });
});
