// Logins, failed logins, logouts and token revocations in the audit trail, with the IP, user agent and client, read
// through GET /api/v1/events by the user's org owner and refused to another org's owner.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import * as client from 'openid-client';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import {
  CookieJar,
  loginWithPassword,
  openPage,
  pageText,
  startLogin,
  submitForm,
  submitLoginName,
  submitPassword,
} from '../helpers/login.ts';
import { appConfig, createOidcApp, login, startOidcFixture, userIdOf, type OidcFixture } from '../helpers/oidc.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { Organization } from '../../src/store/models/index.ts';

const POST_LOGOUT_URI = 'https://rp.test/signed-out';
const MANAGEMENT_SCOPE = 'openid urn:zitadel:iam:org:project:id:zitadel:aud';

let fixture: OidcFixture;
let managerToken: (loginName: string) => Promise<string>;

before(async () => {
  fixture = await startOidcFixture();
  const { server } = fixture;
  const consoleRedirect = `${server.url}/console/callback`;
  const consoleApp = (
    await call(server, await bootstrapToken(server), 'POST', `/projects/${fixture.managementProjectId}/apps`, {
      type: 'oidc',
      name: 'Console',
      redirectUris: [consoleRedirect],
      devMode: true,
    })
  ).body as { clientId: string; clientSecret: string };
  managerToken = async (loginName) =>
    (
      await loginWithPassword({
        baseUrl: server.url,
        clientId: consoleApp.clientId,
        clientSecret: consoleApp.clientSecret,
        redirectUri: consoleRedirect,
        scope: MANAGEMENT_SCOPE,
        loginName,
        password: DEMO_PASSWORD,
      })
    ).access_token;
});
after(() => fixture.server.stop());

interface AuditEvent {
  type: string;
  orgId: string;
  actorId: string;
  resourceId: string;
  payload: { ip?: string; userAgent?: string; clientId?: string; tokenKind?: string };
}

it('a login, a failed login, a logout and a revocation each leave an event that only the org owner reads', async () => {
  const app = await createOidcApp(fixture, fixture.demoProjectId, 'audited-rp', {
    postLogoutRedirectUris: [POST_LOGOUT_URI],
  });
  const bob = await userIdOf(fixture, 'bob');

  const failed = await submitPassword(
    await submitLoginName(await startLogin({ baseUrl: fixture.baseUrl, ...app, scope: 'openid' }), 'bob'),
    'not-the-password',
  );
  assert.equal(failed.page?.status, 401, pageText(failed.page?.html ?? ''));

  const jar = new CookieJar();
  const tokens = await login(fixture, app, 'bob', 'openid offline_access', jar);
  const config = await appConfig(fixture, app);
  await client.tokenRevocation(config, tokens.refresh_token!);

  const endSession = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token!,
    post_logout_redirect_uri: POST_LOGOUT_URI,
  });
  const signedOut = await submitForm(await openPage(jar, endSession.toString(), POST_LOGOUT_URI), { logout: 'yes' });
  assert.equal(signedOut.callbackUrl?.origin, 'https://rp.test');

  const query = `/events?orgId=${fixture.orgs.Beta}&actorId=${bob}&limit=500`;
  const trail = await call(fixture.server, await managerToken('beta-owner'), 'GET', query);
  assert.equal(trail.status, 200, JSON.stringify(trail.body));
  const events = trail.body.events as AuditEvent[];
  const byType = (type: string) => events.filter((event) => event.type === type);
  for (const type of ['user.password.check.failed', 'user.login.succeeded', 'user.token.revoked', 'user.logout']) {
    const [event, ...more] = byType(type);
    assert.ok(event, `${type} in ${JSON.stringify(events.map((each) => each.type))}`);
    assert.equal(more.length, 0, `one ${type}`);
    assert.equal(event.orgId, fixture.orgs.Beta);
    assert.equal(event.resourceId, bob);
    assert.match(event.payload.ip ?? '', /^(::ffff:)?127\.0\.0\.1$|^::1$/, type);
    assert.ok(event.payload.userAgent, `${type} has the user agent`);
    assert.equal(event.payload.clientId, app.clientId, `${type} names the client`);
  }
  assert.equal(byType('user.token.revoked')[0]!.payload.tokenKind, 'RefreshToken');
  assert.equal(JSON.stringify(events).includes(tokens.refresh_token!), false, 'the revoked token is not kept');

  const otherOwner = await managerToken('acme-owner');
  const refused = await call(fixture.server, otherOwner, 'GET', query);
  assert.ok([403, 404].includes(refused.status), `another org's owner: ${refused.status}`);
  const own = await call(fixture.server, otherOwner, 'GET', `/events?orgId=${fixture.orgs.ACME}&limit=500`);
  assert.equal(own.status, 200);
  assert.equal((own.body.events as AuditEvent[]).filter((event) => event.actorId === bob).length, 0);
});

it('a lockout is in the audit trail with the IP, user agent and client of the attempt that locked the user', async () => {
  const { instanceId, orgs } = fixture;
  await Organization.updateOne(
    { instanceId, _id: orgs.Alpha },
    { $set: { loginPolicy: { lockout: { maxPasswordAttempts: 1 } } } },
  );
  const app = await createOidcApp(fixture, fixture.demoProjectId, 'lockout-rp');
  const attempt = await submitPassword(
    await submitLoginName(await startLogin({ baseUrl: fixture.baseUrl, ...app, scope: 'openid' }), 'alice'),
    'not-the-password',
  );
  assert.equal(attempt.page?.status, 403, pageText(attempt.page?.html ?? ''));
  const alice = await userIdOf(fixture, 'alice');
  const trail = await call(
    fixture.server,
    await bootstrapToken(fixture.server),
    'GET',
    `/events?orgId=${orgs.Alpha}&resourceId=${alice}`,
  );
  const locked = (trail.body.events as AuditEvent[]).find((event) => event.type === 'user.locked');
  assert.ok(locked, JSON.stringify(trail.body));
  assert.match(locked.payload.ip ?? '', /^(::ffff:)?127\.0\.0\.1$|^::1$/);
  assert.ok(locked.payload.userAgent);
  assert.equal(locked.payload.clientId, app.clientId);
});
