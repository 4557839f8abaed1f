// Machine keys (issue 14): ZITADEL's key file generated once, public keys registered, keys listed without key
// material, the private key stored nowhere; removing a key or its user ends the tokens granted with it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Event, User } from '../../src/store/models/index.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { bootstrapToken, call } from './helpers.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const API_SCOPE = 'openid urn:zitadel:iam:org:project:id:zitadel:aud';

let fixture: OidcFixture;
let admin: string;
let orgId: string;

/** A machine user of ACME, its ORG_OWNER (so its tokens may read the org). */
async function machineUser(username: string, accessTokenType: 'bearer' | 'jwt' = 'bearer'): Promise<string> {
  const created = await call(fixture.server, admin, 'POST', `/orgs/${orgId}/users/machine`, {
    username,
    name: username,
    accessTokenType,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const userId = created.body.id as string;
  const member = await call(fixture.server, admin, 'POST', `/orgs/${orgId}/members`, { userId, roles: ['ORG_OWNER'] });
  assert.equal(member.status, 201, JSON.stringify(member.body));
  return userId;
}

/** A token of the JWT bearer grant, signed as @zitadel/node signs (RS256 unless the key says otherwise). */
async function grant(userId: string, keyId: string, key: KeyObject | CryptoKey, alg = 'RS256'): Promise<string> {
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg, kid: keyId })
    .setIssuer(userId)
    .setSubject(userId)
    .setAudience(fixture.baseUrl)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key);
  const response = await fetch(`${fixture.baseUrl}/oauth/v2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion, scope: API_SCOPE }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw Object.assign(new Error(JSON.stringify(body)), { status: response.status, body });
  return body.access_token;
}

async function generatedKey(userId: string, body: Record<string, unknown> = {}) {
  const response = await call(fixture.server, admin, 'POST', `/users/${userId}/keys`, body);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as { type: string; keyId: string; key: string; userId: string; expirationDate: string };
}

const apiStatus = async (token: string) => (await call(fixture.server, token, 'GET', `/orgs/${orgId}`)).status;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
  orgId = fixture.orgs.ACME!;
});
after(() => fixture.server.stop());

describe('machine keys', () => {
  it('generates a key file once; lists keys without key material; stores only the public key', async () => {
    const userId = await machineUser('keyed-bot');
    const expirationDate = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const file = await generatedKey(userId, { expirationDate });
    assert.deepEqual(Object.keys(file).sort(), ['expirationDate', 'key', 'keyId', 'type', 'userId']);
    assert.equal(file.type, 'serviceaccount');
    assert.equal(file.expirationDate, expirationDate);
    const privateKey = createPrivateKey(file.key);
    assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);

    const listed = await call(fixture.server, admin, 'GET', `/users/${userId}/keys`);
    assert.equal(listed.status, 200);
    const keys = listed.body.keys as Array<Record<string, unknown>>;
    assert.deepEqual(
      keys.map((key) => [key.keyId, key.type, key.expirationDate]),
      [[file.keyId, 'json', expirationDate]],
    );
    assert.ok(Date.parse(keys[0]!.creationDate as string) <= Date.now());
    assert.deepEqual(Object.keys(keys[0]!).sort(), ['creationDate', 'expirationDate', 'keyId', 'type']);

    // Neither the user document nor the audit trail holds the private key, in any form.
    const privateJwk = privateKey.export({ format: 'jwk' });
    const pemBody = file.key.split('\n')[1]!;
    const stored = JSON.stringify([
      await User.findById(userId).lean(),
      await Event.find({ instanceId: fixture.instanceId, resourceId: userId }).lean(),
    ]);
    for (const secret of [pemBody, privateJwk.d!, privateJwk.p!, privateJwk.q!])
      assert.ok(!stored.includes(secret), 'no private key material is stored');
    const user = await User.findById(userId).lean();
    assert.deepEqual(Object.keys(user!.machine!.keys[0]!.jwk as object).sort(), ['e', 'kty', 'n']);

    assert.ok(await grant(userId, file.keyId, privateKey), 'the key file works');
  });

  it("registers a caller's public key (RSA or EC) and returns no private key; the caller's key signs assertions", async () => {
    const userId = await machineUser('own-key-bot');
    for (const alg of ['RS256', 'ES256'] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      const response = await call(fixture.server, admin, 'POST', `/users/${userId}/keys`, {
        jwk: { ...(await exportJWK(publicKey)), kid: `own-${alg}` },
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      assert.deepEqual(response.body, { keyId: `own-${alg}`, userId, expirationDate: '9999-01-01T23:59:59.000Z' });
      assert.ok(await grant(userId, `own-${alg}`, privateKey, alg));
    }
  });

  it('registers a PEM public key (SPKI or PKCS#1), as ZITADEL takes it', async () => {
    const userId = await machineUser('pem-key-bot');
    for (const type of ['spki', 'pkcs1'] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const response = await call(fixture.server, admin, 'POST', `/users/${userId}/keys`, {
        publicKey: publicKey.export({ type, format: 'pem' }),
      });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      assert.equal(response.body.key, undefined);
      assert.ok(await grant(userId, response.body.keyId as string, privateKey), type);
    }
  });

  it('refuses keys for human users, past expiry dates, private JWKs and unusable PEM, naming the field', async () => {
    const human = await call(fixture.server, admin, 'GET', '/users/_by-login-name/alice@alpha.localhost');
    const userId = await machineUser('refusing-bot');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const weakPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const cases: Array<[string, unknown, string]> = [
      [human.body.id as string, {}, 'userId'],
      [userId, { expirationDate: '2001-01-01T00:00:00Z' }, 'expirationDate'],
      [userId, { jwk: await exportJWK(privateKey) }, 'jwk.d'],
      [userId, { publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' }, 'publicKey'],
      [userId, { publicKey: weakPem }, 'publicKey'],
      [userId, { publicKey: 'not a key' }, 'publicKey'],
      [userId, { publicKey: weakPem, jwk: await exportJWK((await generateKeyPair('ES256')).publicKey) }, 'publicKey'],
    ];
    for (const [target, body, field] of cases) {
      const response = await call(fixture.server, admin, 'POST', `/users/${target}/keys`, body);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      const fields = (response.body.errors as Array<{ field: string }>).map((error) => error.field);
      assert.ok(fields.includes(field), `${field}: ${JSON.stringify(response.body)}`);
    }
  });

  it('is a credential: an org owner gives no key to an instance owner of its org, nor removes its keys', async () => {
    const ownerId = await machineUser('org-owner-bot');
    const ownerFile = await generatedKey(ownerId);
    const ownerToken = await grant(ownerId, ownerFile.keyId, createPrivateKey(ownerFile.key));
    const iamBot = await machineUser('iam-owner-bot');
    const instanceMember = await call(fixture.server, admin, 'POST', '/instance/members', {
      userId: iamBot,
      roles: ['IAM_OWNER'],
    });
    assert.equal(instanceMember.status, 201, JSON.stringify(instanceMember.body));
    const iamFile = await generatedKey(iamBot);

    const refused = await call(fixture.server, ownerToken, 'POST', `/users/${iamBot}/keys`, {});
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.roles, ['IAM_OWNER']);
    const removal = await call(fixture.server, ownerToken, 'DELETE', `/users/${iamBot}/keys/${iamFile.keyId}`);
    assert.equal(removal.status, 403);
    // Its own org's users, and its own keys, it may.
    const plain = await call(fixture.server, ownerToken, 'POST', `/users/${ownerId}/keys`, {});
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
  });

  it('removing a key ends the tokens granted with it and refuses new grants; other keys go on', async () => {
    for (const type of ['bearer', 'jwt'] as const) {
      const userId = await machineUser(`removed-key-${type}`, type);
      const first = await generatedKey(userId);
      const second = await generatedKey(userId);
      const firstToken = await grant(userId, first.keyId, createPrivateKey(first.key));
      const secondToken = await grant(userId, second.keyId, createPrivateKey(second.key));
      assert.equal(firstToken.split('.').length, type === 'jwt' ? 3 : 1, `${type} access token`);
      assert.equal(await apiStatus(firstToken), 200);

      assert.equal((await call(fixture.server, admin, 'DELETE', `/users/${userId}/keys/${first.keyId}`)).status, 204);
      assert.equal(await apiStatus(firstToken), 401, `${type}: the removed key's token ends`);
      assert.equal(await apiStatus(secondToken), 200, `${type}: the other key's token goes on`);
      await assert.rejects(grant(userId, first.keyId, createPrivateKey(first.key)), (error: { body?: unknown }) => {
        assert.equal((error.body as { error: string }).error, 'invalid_grant');
        return true;
      });
      assert.equal((await call(fixture.server, admin, 'DELETE', `/users/${userId}/keys/${first.keyId}`)).status, 404);
      const listed = await call(fixture.server, admin, 'GET', `/users/${userId}/keys`);
      assert.deepEqual(
        (listed.body.keys as Array<{ keyId: string }>).map((key) => key.keyId),
        [second.keyId],
      );
    }
    const events = await Event.find({ instanceId: fixture.instanceId, type: /^user\.key\./ }).lean();
    assert.ok(events.some((event) => event.type === 'user.key.removed'));
  });

  it('deleting the user ends its tokens', async () => {
    const userId = await machineUser('deleted-bot');
    const file = await generatedKey(userId);
    const token = await grant(userId, file.keyId, createPrivateKey(file.key));
    assert.equal(await apiStatus(token), 200);
    const deleted = await call(fixture.server, admin, 'DELETE', `/users/${userId}`);
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    assert.equal(await apiStatus(token), 401);
  });
});
