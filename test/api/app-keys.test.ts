import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { ZitadelIntrospectionStrategy } from 'passport-zitadel';
import * as client from 'openid-client';
import { Event } from '../../src/store/models/index.ts';
import { demoApp, introspect, login, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { bootstrapToken, call } from './helpers.ts';

let fixture: OidcFixture;
let admin: string;
let appPath: string;
let clientId: string;
let aliceToken: string;

function assertionConfig(key: CryptoKey, kid: string): Promise<client.Configuration> {
  return client.discovery(new URL(fixture.baseUrl), clientId, undefined, client.PrivateKeyJwt({ key, kid }), {
    execute: [client.allowInsecureRequests],
  });
}

async function publicJwk(alg: 'ES256' | 'RS256'): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { privateKey, jwk: await exportJWK(publicKey) };
}

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
  const created = await call(fixture.server, admin, 'POST', `/projects/${fixture.demoProjectId}/apps`, {
    type: 'api',
    name: 'Resource server',
    authMethod: 'private_key_jwt',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.clientSecret, undefined, 'a private_key_jwt app has no secret');
  clientId = created.body.clientId as string;
  appPath = `/projects/${fixture.demoProjectId}/apps/${created.body.id as string}`;
  aliceToken = (await login(fixture, demoApp(fixture), 'alice', 'openid')).access_token;
});
after(() => fixture.server.stop());

describe('keys of a private_key_jwt application', () => {
  it('a key registered through the API authenticates introspection of a token of its project; removing it stops that', async () => {
    const ec = await publicJwk('ES256');
    const added = await call(fixture.server, admin, 'POST', `${appPath}/keys`, { jwk: ec.jwk });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const keyId = added.body.keyId as string;
    const result = await introspect(await assertionConfig(ec.privateKey, keyId), aliceToken);
    assert.equal(result.active, true);
    assert.equal(
      result.sub,
      (await call(fixture.server, admin, 'GET', '/users/_by-login-name/alice@alpha.localhost')).body.id,
    );

    const rsa = await publicJwk('RS256');
    const second = await call(fixture.server, admin, 'POST', `${appPath}/keys`, {
      jwk: { ...rsa.jwk, kid: 'rsa-2025', alg: 'RS256', use: 'sig' },
    });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    assert.equal(second.body.keyId, 'rsa-2025', "the JWK's own kid is kept");
    assert.equal((await introspect(await assertionConfig(rsa.privateKey, 'rsa-2025'), aliceToken)).active, true);

    const listed = await call(fixture.server, admin, 'GET', `${appPath}/keys`);
    assert.equal(listed.status, 200);
    const keys = listed.body.keys as Array<{
      keyId: string;
      jwk: Record<string, string>;
      thumbprint: string;
      expiresAt: string | null;
    }>;
    assert.deepEqual(
      keys.map((key) => key.keyId),
      [keyId, 'rsa-2025'],
    );
    assert.deepEqual(keys[0]!.jwk, { ...ec.jwk, kid: keyId });
    assert.equal(keys[0]!.thumbprint, added.body.thumbprint);
    assert.ok(keys.every((key) => !('d' in key.jwk)));

    assert.equal((await call(fixture.server, admin, 'DELETE', `${appPath}/keys/${keyId}`)).status, 204);
    await assert.rejects(
      introspect(await assertionConfig(ec.privateKey, keyId), aliceToken),
      (error: { status?: number }) => error.status === 401,
    );
    assert.equal(
      (await introspect(await assertionConfig(rsa.privateKey, 'rsa-2025'), aliceToken)).active,
      true,
      'the other key still works',
    );
    assert.equal((await call(fixture.server, admin, 'DELETE', `${appPath}/keys/${keyId}`)).status, 404);

    const events = await Event.find({ instanceId: fixture.instanceId, type: /^application\.key\./ })
      .sort({ _id: 1 })
      .lean();
    assert.deepEqual(
      events.map((event) => [event.type, (event.payload as { keyId: string }).keyId]),
      [
        ['application.key.added', keyId],
        ['application.key.added', 'rsa-2025'],
        ['application.key.removed', keyId],
      ],
    );
  });

  it('refuses private keys, weak or unusable keys, other key types and curves, and past expiry, naming the field', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const { jwk } = await publicJwk('ES256');
    const cases: Array<[unknown, string]> = [
      [{ jwk: privateJwk }, 'jwk.d'],
      [{ jwk: { ...(await publicJwk('RS256')).jwk, p: 'AQAB' } }, 'jwk.p'],
      [{ jwk: { kty: 'oct', k: 'c2VjcmV0' } }, 'jwk.kty'],
      [{ jwk: weak }, 'jwk'],
      [{ jwk: { ...jwk, x: jwk.y } }, 'jwk'],
      [{ jwk: { ...jwk, crv: 'P-384' } }, 'jwk.crv'],
      [{ jwk: { ...jwk, alg: 'ES384' } }, 'jwk.alg'],
      [{ jwk: { ...jwk, x: { $gt: '' } } }, 'jwk.x'],
      [{ jwk: { ...jwk, 'a.b': 'c' } }, 'jwk'],
      [{ jwk: { ...jwk, kid: '../etc' } }, 'jwk.kid'],
      [{ jwk, expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    ];
    for (const [body, field] of cases) {
      const response = await call(fixture.server, admin, 'POST', `${appPath}/keys`, body);
      assert.equal(response.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(response.body)}`);
      const fields = (response.body.errors as Array<{ field: string }>).map((error) => error.field);
      assert.ok(fields.includes(field), `${JSON.stringify(body)} names ${field}: ${JSON.stringify(response.body)}`);
    }
  });

  it('the same key twice, a taken key id, and an app that does not use private_key_jwt are conflicts', async () => {
    const { jwk } = await publicJwk('ES256');
    assert.equal(
      (
        await call(fixture.server, admin, 'POST', `${appPath}/keys`, {
          jwk: { ...jwk, kid: 'dup-1' },
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        })
      ).status,
      201,
    );
    assert.equal(
      (await call(fixture.server, admin, 'POST', `${appPath}/keys`, { jwk })).status,
      409,
      'same key under another id',
    );
    assert.equal(
      (
        await call(fixture.server, admin, 'POST', `${appPath}/keys`, {
          jwk: { ...(await publicJwk('ES256')).jwk, kid: 'dup-1' },
        })
      ).status,
      409,
      'taken key id',
    );
    const basic = await call(fixture.server, admin, 'POST', `/projects/${fixture.demoProjectId}/apps`, {
      type: 'api',
      name: 'Basic API',
      authMethod: 'basic',
    });
    const refused = await call(
      fixture.server,
      admin,
      'POST',
      `/projects/${fixture.demoProjectId}/apps/${basic.body.id as string}/keys`,
      { jwk: (await publicJwk('ES256')).jwk },
    );
    assert.equal(refused.status, 409);
    const listed = (await call(fixture.server, admin, 'GET', `${appPath}/keys`)).body.keys as Array<{
      keyId: string;
      expiresAt: string | null;
    }>;
    assert.ok(listed.find((key) => key.keyId === 'dup-1')?.expiresAt);
  });

  it("without a JWK, generates ZITADEL's application key file, whose key authenticates the app", async () => {
    const file = await applicationKeyFile();
    assert.deepEqual(Object.keys(file).sort(), ['appId', 'clientId', 'key', 'keyId', 'type']);
    assert.equal(file.type, 'application');
    assert.equal(file.clientId, clientId);
    assert.equal(appPath.endsWith(`/apps/${file.appId}`), true);
    assert.match(file.key, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const listed = (await call(fixture.server, admin, 'GET', `${appPath}/keys`)).body.keys as Array<{
      keyId: string;
      jwk: Record<string, string>;
    }>;
    assert.deepEqual(Object.keys(listed.find((key) => key.keyId === file.keyId)!.jwk).sort(), ['e', 'kid', 'kty', 'n']);
    const pkcs8 = createPrivateKey(file.key).export({ type: 'pkcs8', format: 'pem' }).toString();
    const config = await assertionConfig(await importPKCS8(pkcs8, 'RS256'), file.keyId);
    assert.equal((await introspect(config, aliceToken)).active, true);
  });

  it('passport-zitadel introspects with the application key file', async () => {
    const strategy = await ZitadelIntrospectionStrategy.create({
      authority: fixture.baseUrl,
      authorization: { type: 'jwt-profile', profile: await applicationKeyFile() },
    });
    // passport-zitadel signs one assertion (without jti) and reuses it for an hour: both requests must pass.
    for (const attempt of ['first', 'second']) {
      const outcome = await passportOutcome(strategy, aliceToken);
      assert.equal(outcome.kind, 'success', `${attempt}: ${JSON.stringify(outcome)}`);
      assert.equal((outcome.value as { active?: boolean }).active, true);
    }
  });
});

async function applicationKeyFile() {
  const created = await call(fixture.server, admin, 'POST', `${appPath}/keys`, {});
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body as { type: 'application'; keyId: string; key: string; appId: string; clientId: string };
}

/** What a passport strategy decided for a request with the bearer token (passport sets these actions per request). */
function passportOutcome(strategy: ZitadelIntrospectionStrategy, token: string) {
  return new Promise<{ kind: 'success' | 'fail' | 'error'; value: unknown }>((resolve) => {
    const actions = strategy as unknown as Record<'success' | 'fail' | 'error', (value: unknown) => void>;
    actions.success = (value) => resolve({ kind: 'success', value });
    actions.fail = (value) => resolve({ kind: 'fail', value });
    actions.error = (value) => resolve({ kind: 'error', value: String(value) });
    void strategy.authenticate({ headers: { authorization: `Bearer ${token}` } } as Parameters<
      ZitadelIntrospectionStrategy['authenticate']
    >[0]);
  });
}
