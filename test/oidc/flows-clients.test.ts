// Who may introspect a token (clients of its project only, by any authentication method), and client
// credentials for a machine user whose client id is its username.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import * as client from 'openid-client';
import { secretHash } from '../../src/platform/crypto.ts';
import { Application, Project, User } from '../../src/store/models/index.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { clientConfig } from '../helpers/login.ts';
import { demoRp, introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import type { TestServer } from '../helpers/server.ts';

const MACHINE_ID = 'robot-tests';
const MACHINE_SECRET = 'machine-secret-for-tests-0123456789';

let fixture: OidcFixture;
let server: TestServer;
let instanceId: string;
let managementProjectId: string;
let projectId: string;
let orgs: Record<string, string>;
const { demoLogin, userId } = demoRp(() => fixture);

before(async () => {
  fixture = await startOidcFixture({
    CASTELLAN_BOOTSTRAP_CLIENT_ID: MACHINE_ID,
    CASTELLAN_BOOTSTRAP_CLIENT_SECRET: MACHINE_SECRET,
  });
  ({ server, instanceId, managementProjectId, orgs, demoProjectId: projectId } = fixture);
});
after(() => server.stop());

describe('introspection callers', () => {
  let token: string;
  let outsiderSecret: string;
  let insiderKey: CryptoKey;

  before(async () => {
    token = (await demoLogin('alice')).access_token;
    const hashKey = clientSecretHashKey(server.services.masterKey);
    outsiderSecret = 'outsider-secret-0123456789abcdef';
    const otherProject = await Project.create({ instanceId, orgId: orgs.ACME, name: 'Elsewhere' });
    await Application.create({
      instanceId,
      projectId: otherProject._id,
      orgId: orgs.ACME,
      name: 'Outsider API',
      type: 'api',
      clientId: 'outsider-api',
      clientSecretHash: secretHash(hashKey, outsiderSecret),
      api: { authMethod: 'basic' },
    });
    await Application.create({
      instanceId,
      projectId,
      orgId: orgs.ACME,
      name: 'Insider API post',
      type: 'api',
      clientId: 'insider-post',
      clientSecretHash: secretHash(hashKey, outsiderSecret),
      api: { authMethod: 'basic' },
    });
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    insiderKey = privateKey;
    await Application.create({
      instanceId,
      projectId,
      orgId: orgs.ACME,
      name: 'Insider API',
      type: 'api',
      clientId: 'insider-jwt',
      api: { authMethod: 'private_key_jwt' },
      keys: [{ keyId: 'k1', jwk: await exportJWK(publicKey) }],
    });
  });

  it('answers active:false to a client of another project', async () => {
    const config = await clientConfig(server.config.publicUrl, 'outsider-api', outsiderSecret);
    assert.deepEqual(await introspect(config, token), { active: false });
  });

  it('answers a client of the token’s project authenticating with private_key_jwt, with the roles of its project', async () => {
    const config = await client.discovery(
      new URL(server.config.publicUrl),
      'insider-jwt',
      undefined,
      client.PrivateKeyJwt({ key: insiderKey, kid: 'k1' }),
      { execute: [client.allowInsecureRequests] },
    );
    const result = await introspect(config, token);
    assert.equal(result.active, true);
    assert.deepEqual(result['urn:zitadel:iam:org:project:roles'], { accountant: { [orgs.Beta!]: 'beta.localhost' } });
  });

  it('accepts client_secret_post as well as Basic', async () => {
    const post = await fetch(`${server.config.publicUrl}/oauth/v2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, client_id: 'insider-post', client_secret: outsiderSecret }),
    });
    assert.equal(((await post.json()) as { active: boolean }).active, true);
    const basic = await introspect(await clientConfig(server.config.publicUrl, 'insider-post', outsiderSecret), token);
    assert.equal(basic.active, true);
  });
});

describe('client credentials for a machine user (client id = username)', () => {
  it('issues a token whose audience names the management project when asked, and which the machine can introspect', async () => {
    const config = await clientConfig(server.config.publicUrl, MACHINE_ID, MACHINE_SECRET);
    const tokens = await client.clientCredentialsGrant(config, {
      scope: 'urn:zitadel:iam:org:project:id:zitadel:aud urn:iam:org:project:roles',
    });
    const tenant = (await server.services.tenants.byId(instanceId))!;
    const stored = await tenant.provider.ClientCredentials.find(tokens.access_token);
    assert.equal(stored?.clientId, MACHINE_ID);
    assert.deepEqual((stored as unknown as { aud: string[] }).aud, [managementProjectId]);
    assert.equal(tokens.scope, 'urn:zitadel:iam:org:project:id:zitadel:aud', 'the legacy scope is dropped silently');
    const plain = await client.clientCredentialsGrant(config, {});
    const introspection = await introspect(config, plain.access_token);
    assert.equal(introspection.active, true);
    assert.equal(introspection.sub, await userId(MACHINE_ID));
  });

  it('refuses a wrong secret and an inactive machine user', async () => {
    const unauthorized = (error: { status?: number }) => error.status === 401;
    await assert.rejects(
      client.clientCredentialsGrant(await clientConfig(server.config.publicUrl, MACHINE_ID, 'wrong-secret'), {}),
      unauthorized,
    );
    await User.updateOne({ instanceId, username: MACHINE_ID }, { $set: { state: 'inactive' } });
    await assert.rejects(
      client.clientCredentialsGrant(await clientConfig(server.config.publicUrl, MACHINE_ID, MACHINE_SECRET), {}),
      unauthorized,
    );
    await User.updateOne({ instanceId, username: MACHINE_ID }, { $set: { state: 'active' } });
  });
});
