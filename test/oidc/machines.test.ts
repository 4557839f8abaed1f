// Client credentials for a machine user whose access tokens are JWTs (docs/zitadel-behaviour.md §10 "Machine users"):
// signed with the instance's keys, audience and roles only from scopes, introspectable and revocable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { secretHash } from '../../src/platform/crypto.ts';
import { ProjectGrant, User, UserGrant } from '../../src/store/models/index.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { clientConfig } from '../helpers/login.ts';
import { appConfig, customClaims, demoApp, introspect, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const MACHINE = 'reporter-bot';
const SECRET = 'reporter-bot-secret-0123456789abcdef';

let fixture: OidcFixture;
let machineId: string;
let config: client.Configuration;

async function verify(token: string): Promise<Record<string, unknown>> {
  return (
    await jwtVerify(token, createRemoteJWKSet(new URL(`${fixture.baseUrl}/oauth/v2/keys`)), { issuer: fixture.baseUrl })
  ).payload;
}

before(async () => {
  fixture = await startOidcFixture();
  const { instanceId, orgs } = fixture;
  const machine = await User.create({
    instanceId,
    orgId: orgs.Beta,
    type: 'machine',
    username: MACHINE,
    machine: {
      name: 'Reporter bot',
      accessTokenType: 'jwt',
      secretHash: secretHash(clientSecretHashKey(fixture.server.services.masterKey), SECRET),
    },
  });
  machineId = machine._id;
  // Beta grants its machine `developer` on the time project, through its project grant (as it does for Bob).
  const betaGrant = await ProjectGrant.findOne({
    instanceId,
    projectId: fixture.demoProjectId,
    grantedOrgId: orgs.Beta,
  }).lean();
  await UserGrant.create({
    instanceId,
    userId: machineId,
    userOrgId: orgs.Beta,
    orgId: orgs.Beta,
    projectId: fixture.demoProjectId,
    projectGrantId: betaGrant!._id,
    roleKeys: ['developer'],
  });
  config = await clientConfig(fixture.baseUrl, MACHINE, SECRET);
});
after(() => fixture.server.stop());

describe('client credentials with a JWT machine user', () => {
  it('issues an RS256 JWT verifiable with the JWKS; without :aud scopes the audience is the client id and there are no custom claims', async () => {
    const tokens = await client.clientCredentialsGrant(config, {});
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.expires_in, fixture.server.config.tokenLifetimes.accessTokenSeconds);
    assert.equal(decodeProtectedHeader(tokens.access_token).alg, 'RS256');
    const payload = await verify(tokens.access_token);
    assert.equal(payload.sub, machineId);
    assert.equal(payload.client_id, MACHINE);
    assert.deepEqual(payload.aud, [MACHINE]);
    assert.equal((payload.exp! as number) - (payload.iat as number), tokens.expires_in);
    assert.deepEqual(customClaims(payload), {});
  });

  it('asks for roles only through :aud and projects:roles (or role scopes of any project), without the generic roles claim', async () => {
    const developer = {
      [`urn:zitadel:iam:org:project:${fixture.demoProjectId}:roles`]: {
        developer: { [fixture.orgs.Beta!]: 'beta.localhost' },
      },
    };
    const aud = `urn:zitadel:iam:org:project:id:${fixture.demoProjectId}:aud`;
    const projectsRoles = await verify(
      (await client.clientCredentialsGrant(config, { scope: `${aud} urn:zitadel:iam:org:projects:roles` }))
        .access_token,
    );
    assert.deepEqual(projectsRoles.aud, [fixture.demoProjectId]);
    assert.deepEqual(customClaims(projectsRoles), developer);
    const roleScope = await verify(
      (await client.clientCredentialsGrant(config, { scope: `${aud} urn:zitadel:iam:org:project:role:developer` }))
        .access_token,
    );
    assert.deepEqual(customClaims(roleScope), developer);
    const audOnly = await verify((await client.clientCredentialsGrant(config, { scope: aud })).access_token);
    assert.deepEqual(customClaims(audOnly), {});
  });

  it('keeps only org scopes of the machine’s own org, silently', async () => {
    const { Alpha, Beta } = fixture.orgs;
    const tokens = await client.clientCredentialsGrant(config, {
      scope: `urn:zitadel:iam:org:id:${Alpha} urn:zitadel:iam:org:id:${Beta} urn:zitadel:iam:user:resourceowner`,
    });
    assert.equal(
      tokens.scope?.split(' ').sort().join(' '),
      `urn:zitadel:iam:org:id:${Beta} urn:zitadel:iam:user:resourceowner`,
    );
    assert.deepEqual(customClaims(await verify(tokens.access_token)), {
      'urn:zitadel:iam:org:id': Beta,
      'urn:zitadel:iam:user:resourceowner:id': Beta,
      'urn:zitadel:iam:user:resourceowner:name': 'Beta',
      'urn:zitadel:iam:user:resourceowner:primary_domain': 'beta.localhost',
    });
  });

  it('is introspectable by a client in its audience (with that client’s project roles), and by no one else', async () => {
    const tokens = await client.clientCredentialsGrant(config, {
      scope: `urn:zitadel:iam:org:project:id:${fixture.demoProjectId}:aud`,
    });
    const byProject = await introspect(await appConfig(fixture, demoApp(fixture)), tokens.access_token);
    const developer = { developer: { [fixture.orgs.Beta!]: 'beta.localhost' } };
    assert.equal(byProject.active, true);
    assert.equal(byProject.sub, machineId);
    assert.equal(byProject.client_id, MACHINE);
    assert.deepEqual(customClaims(byProject), {
      'urn:zitadel:iam:org:project:roles': developer,
      [`urn:zitadel:iam:org:project:${fixture.demoProjectId}:roles`]: developer,
    });
    assert.deepEqual(
      await introspect(config, tokens.access_token),
      { active: false },
      'the machine is not in the token’s audience',
    );

    const own = await client.clientCredentialsGrant(config, {});
    const self = await introspect(config, own.access_token);
    assert.equal(self.active, true);
    assert.equal(self.sub, machineId);
  });

  it('is revocable by the machine (JWT and all); another client cannot revoke it', async () => {
    const tokens = await client.clientCredentialsGrant(config, {});
    const notIssuedToCaller = (error: client.ResponseBodyError) =>
      error.error === 'invalid_client' && error.error_description === 'token was not issued for this client';
    await assert.rejects(
      client.tokenRevocation(await appConfig(fixture, demoApp(fixture)), tokens.access_token),
      notIssuedToCaller,
    );
    assert.equal((await introspect(config, tokens.access_token)).active, true);
    await client.tokenRevocation(config, tokens.access_token);
    assert.deepEqual(await introspect(config, tokens.access_token), { active: false });
  });
});
