// Opaque client-credentials tokens are sealed (oidc/library-overrides.ts): they carry their own payload, encrypted
// under the instance's key, so issuing one writes nothing; only a revocation is stored.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import * as client from 'openid-client';
import { secretHash } from '../../src/platform/crypto.ts';
import { User } from '../../src/store/models/index.ts';
import { oidcPayloadModel } from '../../src/store/models/oidc-payload.ts';
import { clientCredentialsSealer, clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { clientConfig } from '../helpers/login.ts';
import { introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const MACHINE = 'sealed-bot';
const SECRET = 'sealed-bot-secret-0123456789abcdef';

let fixture: OidcFixture;
let machineId: string;
let config: client.Configuration;

const tokensCollection = () => oidcPayloadModel('ClientCredentials');
const sealerOf = (instanceId: string) => clientCredentialsSealer(fixture.server.services.masterKey, instanceId);

before(async () => {
  fixture = await startOidcFixture();
  const machine = await User.create({
    instanceId: fixture.instanceId,
    orgId: fixture.orgs.Beta,
    type: 'machine',
    username: MACHINE,
    machine: {
      name: 'Sealed bot',
      accessTokenType: 'bearer',
      secretHash: secretHash(clientSecretHashKey(fixture.server.services.masterKey), SECRET),
    },
  });
  machineId = machine._id;
  config = await clientConfig(fixture.baseUrl, MACHINE, SECRET);
});
after(() => fixture.server.stop());

it('issues an opaque token that stores nothing, carries no readable payload, and introspects as the machine', async () => {
  const stored = await tokensCollection().countDocuments();
  const tokens = await client.clientCredentialsGrant(config, {});
  assert.equal(await tokensCollection().countDocuments(), stored, 'no document is written for the token');
  assert.match(tokens.access_token, /^[\w-]+$/, 'one base64url string: never taken for a JWT');
  assert.ok(
    !Buffer.from(tokens.access_token, 'base64url').toString('latin1').includes(MACHINE),
    'the payload is encrypted',
  );
  const introspection = await introspect(config, tokens.access_token);
  assert.equal(introspection.active, true);
  assert.equal(introspection.sub, machineId);
  assert.equal(introspection.client_id, MACHINE);
});

it('does not accept a changed value, one sealed for another instance, or an expired payload sealed anew', async () => {
  const { access_token: token } = await client.clientCredentialsGrant(config, {});
  const payload = sealerOf(fixture.instanceId).open(token);
  assert.equal(payload?.clientId, MACHINE);
  assert.equal(
    (await introspect(config, sealerOf(fixture.instanceId).seal(payload!))).active,
    true,
    'the same payload sealed anew is valid',
  );

  const last = token.at(-2) === 'A' ? 'B' : 'A';
  assert.deepEqual(await introspect(config, `${token.slice(0, -2)}${last}${token.at(-1)}`), { active: false });
  assert.deepEqual(await introspect(config, sealerOf('another-instance').seal(payload!)), { active: false });
  const past = Math.floor(Date.now() / 1000) - 60;
  assert.deepEqual(
    await introspect(config, sealerOf(fixture.instanceId).seal({ ...payload, iat: past - 60, exp: past })),
    { active: false },
  );
});

it('stores a revocation until the token would have expired; the revocation itself is never taken for a token', async () => {
  const { access_token: token, expires_in: expiresIn } = await client.clientCredentialsGrant(config, {});
  const { jti } = sealerOf(fixture.instanceId).open(token) as { jti: string };
  await client.tokenRevocation(config, token);
  assert.deepEqual(await introspect(config, token), { active: false });

  const revocation = await tokensCollection().findById(`${fixture.instanceId}:revoked:${jti}`).lean();
  assert.equal(revocation?.kind, 'ClientCredentials:revoked');
  const expiresAt = revocation!.expiresAt!.getTime();
  assert.ok(
    Math.abs(expiresAt - (Date.now() + expiresIn! * 1000)) < 5_000,
    'kept as long as the token would have lived',
  );
  assert.deepEqual(await introspect(config, `revoked:${jti}`), { active: false });
});
