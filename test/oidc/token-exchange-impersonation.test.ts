// Impersonation and delegation by token exchange (an actor token, or a user id or self-signed JWT subject), as ZITADEL
// allows them: only while the instance's security settings enable it, and only for an actor holding an impersonator
// role in the subject's scope (END_USER impersonators: end users; ADMIN impersonators: administrators as well). The
// token carries `act` (RFC 8693 §4.1), is refused by the management API, and each exchange is an audit event.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as client from 'openid-client';
import { createHumanUser } from '../../src/domain/commands/users.ts';
import { addMember, removeMember, type MembershipTarget } from '../../src/domain/commands/memberships.ts';
import { Application, Membership } from '../../src/store/models/index.ts';
import {
  appConfig,
  createOidcApp,
  introspect,
  login,
  startOidcFixture,
  userIdOf,
  type OidcFixture,
  type TestApp,
} from '../helpers/oidc.ts';
import {
  changeSettings,
  exchange,
  exchangeEvents,
  refusal,
  TOKEN_EXCHANGE,
  TOKEN_TYPE,
} from '../helpers/token-exchange.ts';

let fixture: OidcFixture;
let app: TestApp;
let config: client.Configuration;
/** Bob (Beta) acts: his access token, asked with the management API in its audience. */
let actorToken: string;
const ids: Record<string, string> = {};
const actor = { instanceId: '', actorId: 'token-exchange-test' };
const GRANTS = ['authorization_code', 'refresh_token', TOKEN_EXCHANGE] as const;

before(async () => {
  fixture = await startOidcFixture();
  actor.instanceId = fixture.instanceId;
  app = await createOidcApp(fixture, fixture.demoProjectId, 'exchanger', { grantTypes: [...GRANTS] });
  config = await appConfig(fixture, app);
  const carol = await createHumanUser(actor, fixture.orgs.Beta!, {
    username: 'carol',
    email: 'carol@beta.localhost',
    givenName: 'Carol',
    familyName: 'Beta',
  });
  ids.carol = carol._id;
  for (const name of ['alice', 'bob', 'beta-owner', 'acme-owner']) ids[name] = await userIdOf(fixture, name);
  await changeSettings(fixture.instanceId, {
    features: { tokenExchange: true },
    security: { enableImpersonation: true },
  });
  // The signer app (below) is in the same project: its client id is in the audience of the project's tokens.
  await createOidcApp(fixture, fixture.demoProjectId, 'signer', {
    authMethod: 'private_key_jwt',
    grantTypes: [...GRANTS],
  });
  actorToken = (await login(fixture, app, 'bob', 'openid urn:zitadel:iam:org:project:id:zitadel:aud')).access_token;
});
after(() => fixture.server.stop());

const instanceTarget = (): MembershipTarget => ({
  level: 'instance',
  resourceId: fixture.instanceId,
  orgId: fixture.instanceId,
  projectId: null,
});
const betaTarget = (): MembershipTarget => ({
  level: 'org',
  resourceId: fixture.orgs.Beta!,
  orgId: fixture.orgs.Beta!,
  projectId: null,
});

/** Bob holds exactly `role` (none when null) for the test. */
async function bobHolds(role: string | null, target: MembershipTarget = betaTarget()): Promise<void> {
  for (const membership of await Membership.find({ instanceId: fixture.instanceId, userId: ids.bob }).lean())
    await removeMember(actor, { ...membership, projectId: membership.projectId ?? null }, ids.bob!);
  if (role) await addMember(actor, target, ids.bob!, [role]);
}

const byUserId = (userId: string, extra: Record<string, string> = {}) => ({
  subject_token: userId,
  subject_token_type: TOKEN_TYPE.userId,
  actor_token: actorToken,
  actor_token_type: TOKEN_TYPE.accessToken,
  ...extra,
});

async function impersonates(subject: string): Promise<boolean> {
  try {
    const token = await exchange(config, byUserId(ids[subject]!));
    assert.equal((await introspect(config, token.access_token)).sub, ids[subject]);
    return true;
  } catch (error) {
    if (!(error instanceof client.ResponseBodyError)) throw error;
    assert.deepEqual([error.status, error.error], [403, 'invalid_request'], error.error_description);
    return false;
  }
}

describe('who may impersonate whom', () => {
  beforeEach(() => bobHolds(null));

  it('nobody while the security settings disable impersonation; a user id subject needs an actor token', async () => {
    await bobHolds('IAM_ADMIN_IMPERSONATOR', instanceTarget());
    await changeSettings(fixture.instanceId, { security: { enableImpersonation: false } });
    try {
      const refused = await refusal(config, byUserId(ids.carol!));
      assert.deepEqual([refused.status, refused.error], [403, 'invalid_request']);
      assert.match(refused.description ?? '', /disabled/);
    } finally {
      await changeSettings(fixture.instanceId, { security: { enableImpersonation: true } });
    }
    assert.equal(await impersonates('carol'), true);
    const alone = await refusal(config, { subject_token: ids.carol!, subject_token_type: TOKEN_TYPE.userId });
    assert.deepEqual([alone.status, alone.error], [400, 'invalid_request']);
  });

  it('nobody without an impersonator role, an org owner neither', async () => {
    assert.equal(await impersonates('carol'), false);
    await bobHolds('ORG_OWNER');
    assert.equal(await impersonates('carol'), false);
  });

  it('an org end-user impersonator: end users of its org, not of another org, not administrators', async () => {
    await bobHolds('ORG_END_USER_IMPERSONATOR');
    assert.deepEqual(
      [await impersonates('carol'), await impersonates('alice'), await impersonates('beta-owner')],
      [true, false, false],
    );
  });

  it('an org admin impersonator: administrators of its org too, not of another org', async () => {
    await bobHolds('ORG_ADMIN_IMPERSONATOR');
    assert.deepEqual(
      [await impersonates('carol'), await impersonates('beta-owner'), await impersonates('acme-owner')],
      [true, true, false],
    );
  });

  it('instance impersonators: end users of every org; administrators only for the admin impersonator', async () => {
    await bobHolds('IAM_END_USER_IMPERSONATOR', instanceTarget());
    assert.deepEqual([await impersonates('alice'), await impersonates('acme-owner')], [true, false]);
    await bobHolds('IAM_ADMIN_IMPERSONATOR', instanceTarget());
    assert.deepEqual([await impersonates('alice'), await impersonates('acme-owner')], [true, true]);
  });
});

describe('the impersonated token', () => {
  before(() => bobHolds('IAM_ADMIN_IMPERSONATOR', instanceTarget()));

  it('is the subject’s at userinfo and introspection, with the actor in `act`, kept when exchanged again', async () => {
    const token = await exchange(config, byUserId(ids.carol!, { scope: 'openid email' }));
    const act = { iss: fixture.baseUrl, sub: ids.bob };
    const introspected = await introspect(config, token.access_token);
    assert.deepEqual(
      [introspected.sub, introspected.act, introspected.email],
      [ids.carol, act, 'carol@beta.localhost'],
    );
    assert.equal((await client.fetchUserInfo(config, token.access_token, ids.carol!)).email, 'carol@beta.localhost');
    assert.deepEqual(token.claims()?.act, act);
    const again = await exchange(config, {
      subject_token: token.access_token,
      subject_token_type: TOKEN_TYPE.accessToken,
      requested_token_type: TOKEN_TYPE.jwt,
    });
    assert.deepEqual([decodeJwt(again.access_token).sub, decodeJwt(again.access_token).act], [ids.carol, act]);
  });

  it('delegation: the subject’s own token with an actor token gives the subject’s token with `act`', async () => {
    const alice = await login(fixture, app, 'alice', 'openid profile');
    const token = await exchange(config, {
      subject_token: alice.access_token,
      subject_token_type: TOKEN_TYPE.accessToken,
      actor_token: actorToken,
      actor_token_type: TOKEN_TYPE.accessToken,
      requested_token_type: TOKEN_TYPE.jwt,
    });
    const claims = decodeJwt(token.access_token);
    assert.deepEqual([claims.sub, claims.act], [ids.alice, { iss: fixture.baseUrl, sub: ids.bob }]);
    // Scopes of either token, none beyond: `email` is on neither.
    const wider = await refusal(config, {
      subject_token: alice.access_token,
      subject_token_type: TOKEN_TYPE.accessToken,
      actor_token: actorToken,
      actor_token_type: TOKEN_TYPE.accessToken,
      scope: 'openid email',
    });
    assert.equal(wider.error, 'invalid_scope');
  });

  it('is refused by the management API, while the actor’s own token is accepted (ZITADEL)', async () => {
    const api = (token: string) =>
      fetch(`${fixture.baseUrl}/api/v1/users/${ids['acme-owner']}`, { headers: { authorization: `Bearer ${token}` } });
    const impersonated = await exchange(config, byUserId(ids['acme-owner']!));
    assert.ok((await introspect(config, impersonated.access_token)).aud);
    assert.equal((await api(impersonated.access_token)).status, 401);
    assert.notEqual((await api(actorToken)).status, 401);
  });

  // ZITADEL's createExchangeAccessToken issues a refresh token when offline_access is kept; its session keeps the
  // actor and the audience, so refreshed tokens stay impersonation tokens, no wider.
  it('comes with a refresh token for offline_access, whose tokens keep the actor and the audience', async () => {
    const scope = 'openid offline_access urn:zitadel:iam:org:project:id:zitadel:aud';
    const bobOffline = (await login(fixture, app, 'bob', scope)).access_token;
    const withoutOffline = await exchange(config, byUserId(ids.carol!, { scope: 'openid' }));
    assert.equal(withoutOffline.refresh_token, undefined);
    const token = await exchange(config, byUserId(ids.carol!, { actor_token: bobOffline, scope }));
    assert.ok(token.refresh_token, 'a refresh token');
    const first = await introspect(config, token.access_token);
    const refreshed = await client.refreshTokenGrant(config, token.refresh_token);
    const act = { iss: fixture.baseUrl, sub: ids.bob };
    const introspected = await introspect(config, refreshed.access_token);
    assert.deepEqual([introspected.sub, introspected.act, introspected.aud], [ids.carol, act, first.aud]);
    assert.deepEqual([refreshed.claims()?.sub, refreshed.claims()?.act], [ids.carol, act]);
    const api = await fetch(`${fixture.baseUrl}/api/v1/users/${ids.carol}`, {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(api.status, 401, 'the management API still refuses it');
    const again = await client.refreshTokenGrant(config, refreshed.refresh_token!);
    assert.deepEqual((await introspect(config, again.access_token)).act, act);
  });

  it('is an audit event naming both identities', async () => {
    await exchange(config, byUserId(ids.carol!, { scope: 'openid' }));
    const event = (await exchangeEvents(fixture.instanceId, ids.carol!)).at(-1)!;
    assert.deepEqual([event.type, event.actorId, event.resourceId], ['user.impersonated', ids.bob, ids.carol]);
    const payload = event.payload as Record<string, { userId: string }>;
    assert.deepEqual([payload.subject?.userId, payload.actor?.userId], [ids.carol, ids.bob]);
  });

  it('by a self-signed JWT subject: unexpired, signed with a key of the calling app (ZITADEL’s JWT profile)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig' };
    await Application.updateOne(
      { instanceId: fixture.instanceId, clientId: 'signer' },
      { $set: { keys: [{ keyId: 'signer-key', jwk }] } },
    );
    const signer = await client.discovery(
      new URL(fixture.baseUrl),
      'signer',
      undefined,
      client.PrivateKeyJwt({ key: privateKey, kid: 'signer-key' }),
      { execute: [client.allowInsecureRequests] },
    );
    const now = Math.floor(Date.now() / 1000);
    const subjectJwt = (sub: string, iss: string, issuedAt: number) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'signer-key' })
        .setIssuer(iss)
        .setSubject(sub)
        .setAudience(fixture.baseUrl)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + 300)
        .sign(privateKey);
    const params = async (sub: string, iss = 'signer', issuedAt = now) => ({
      ...byUserId(''),
      subject_token: await subjectJwt(sub, iss, issuedAt),
      subject_token_type: TOKEN_TYPE.jwt,
    });
    const token = await exchange(signer, await params(ids.carol!));
    assert.equal((await introspect(signer, token.access_token)).sub, ids.carol);
    assert.equal((await refusal(signer, await params(ids.carol!, 'exchanger'))).error, 'invalid_request');
    assert.equal((await refusal(signer, await params(ids.carol!, 'signer', now - 600))).error, 'invalid_request');
    // Signed by the app's key, but not presented by that app.
    assert.equal((await refusal(config, await params(ids.carol!))).error, 'invalid_request');
  });
});
