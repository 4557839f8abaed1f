// HTTP targets (Actions v2 style) through real logins and user creation, and the actions API: validation naming the
// field, versions in the audit trail, viewers who may read but not write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { signatureValid, SIGNATURE_HEADER } from '../../src/platform/request-signature.ts';
import { Action, ActionFlow, User, WebhookSubscription } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { demoRp, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { attach, createAction, startReceiver } from './helpers.ts';

let fixture: OidcFixture;
let admin: string;
const { demoLogin, demoConfig, userId } = demoRp(() => fixture);

before(async () => {
  // The receivers listen on loopback.
  fixture = await startOidcFixture({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(fixture.server);
});
after(() => fixture.server.stop());

const newHuman = (username: string) => ({
  username,
  email: `${username}@example.com`,
  givenName: 'New',
  familyName: 'User',
  emailVerified: true,
});

describe('HTTP targets', () => {
  it('a call target answers with claims and roles; its requests are signed with its key', async () => {
    const { server, orgs } = fixture;
    const receiver = await startReceiver(() => ({
      status: 200,
      body: {
        append_claims: [
          { key: 'tier', value: 'gold' },
          { key: 'iss', value: 'evil' },
        ],
        append_roles: ['vip'],
      },
    }));
    try {
      const base = `/orgs/${orgs.Alpha}`;
      const target = await createAction(server, admin, base, { name: 'tiering', type: 'call', endpoint: receiver.url });
      assert.ok(target.signingKey);
      await attach(server, admin, base, 'complement-token', 'pre-userinfo-creation', [target.id]);
      const tokens = await demoLogin('alice');
      const alice = await userId('alice');
      const userinfo = await client.fetchUserInfo(await demoConfig(), tokens.access_token, alice);
      assert.equal(userinfo.tier, 'gold');
      assert.notEqual(userinfo.iss, 'evil');
      assert.deepEqual((userinfo['urn:zitadel:iam:org:project:roles'] as Record<string, unknown>).vip, {
        [orgs.Alpha!]: 'alpha.localhost',
      });
      const request = receiver.received.at(-1)!;
      assert.ok(signatureValid(target.signingKey!, request.body, String(request.headers[SIGNATURE_HEADER])));
      assert.equal(signatureValid('another key', request.body, String(request.headers[SIGNATURE_HEADER])), false);
      const body = JSON.parse(request.body) as { trigger: string; user: { id: string } };
      assert.equal(body.trigger, 'pre-userinfo-creation');
      assert.equal(body.user.id, alice);
      await attach(server, admin, base, 'complement-token', 'pre-userinfo-creation', []);
    } finally {
      await receiver.close();
    }
  });

  it('a webhook target is told of a new user without holding it up; a call target denies another', async () => {
    const { server, orgs } = fixture;
    const webhook = await startReceiver(() => ({ status: 500 }));
    const gate = await startReceiver((request) => {
      const { user } = JSON.parse(request.body) as { user: { username: string } };
      return { status: 200, body: user.username.startsWith('blocked') ? { denied: 'Not on the guest list' } : {} };
    });
    try {
      const base = `/orgs/${orgs.Beta}`;
      const notify = await createAction(server, admin, base, {
        name: 'notify',
        type: 'webhook',
        endpoint: webhook.url,
      });
      const check = await createAction(server, admin, base, { name: 'guestList', type: 'call', endpoint: gate.url });
      await attach(server, admin, base, 'internal-authentication', 'pre-creation', [check.id]);
      await attach(server, admin, base, 'internal-authentication', 'post-creation', [notify.id]);

      const refused = await call(server, admin, 'POST', `${base}/users/human`, newHuman('blocked-one'));
      assert.equal(refused.status, 400);
      assert.match(String(refused.body.detail ?? refused.body.title), /Not on the guest list/);
      const created = await call(server, admin, 'POST', `${base}/users/human`, newHuman('welcome-one'));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      // Fire and forget, retried: the receiver answers 500, so it is asked three times.
      for (let waited = 0; webhook.received.length < 3 && waited < 10_000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(webhook.received.length, 3);
      const told = JSON.parse(webhook.received[0]!.body) as { trigger: string; user: { username: string } };
      assert.deepEqual([told.trigger, told.user.username], ['post-creation', 'welcome-one']);
      assert.ok(
        signatureValid(
          notify.signingKey!,
          webhook.received[0]!.body,
          String(webhook.received[0]!.headers[SIGNATURE_HEADER]),
        ),
      );
      await call(server, admin, 'DELETE', `${base}/flows/internal-authentication`);
    } finally {
      await webhook.close();
      await gate.close();
    }
  });

  it('a pre-creation script adds metadata to the new user', async () => {
    const { server, orgs } = fixture;
    const base = `/orgs/${orgs.Beta}`;
    const script = `function stamp(ctx, api) { api.v1.user.appendMetadata('source', 'signup:' + ctx.v1.user.username); }`;
    const action = await createAction(server, admin, base, { name: 'stamp', script });
    await attach(server, admin, base, 'internal-authentication', 'pre-creation', [action.id]);
    const created = await call(server, admin, 'POST', `${base}/users/human`, newHuman('stamped'));
    assert.equal(created.status, 201);
    const metadata = await call(
      server,
      admin,
      'GET',
      `/users/${String(created.body.id ?? created.body.userId)}/metadata`,
    );
    assert.deepEqual(metadata.body.metadata, { source: 'signup:stamped' });
    await call(server, admin, 'DELETE', `${base}/flows/internal-authentication`);
  });

  it("a pre-creation script sets the new user's profile with ZITADEL's setters", async () => {
    const { server, orgs } = fixture;
    const base = `/orgs/${orgs.Beta}`;
    const script = `function profile(ctx, api) {
      api.setUsername(ctx.v1.user.username + '.set');
      api.setFirstName('Set'); api.setLastName('Person'); api.setNickName('Setty'); api.setDisplayName('S. Person');
      api.setPreferredLanguage('fr-ch'); api.setGender(3);
      api.setEmail('set.person@example.com'); api.setEmailVerified(true);
      api.setPhone('+41 44 111 22 33'); api.setPhoneVerified(true);
    }`;
    const action = await createAction(server, admin, base, { name: 'profile', script });
    await attach(server, admin, base, 'internal-authentication', 'pre-creation', [action.id]);
    const created = await call(server, admin, 'POST', `${base}/users/human`, newHuman('plain'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // The API's user view has no nickname nor gender: the stored user shows them all.
    const user = await User.findById(String(created.body.id ?? created.body.userId)).lean();
    assert.equal(user?.username, 'plain.set');
    assert.deepEqual(user?.human, {
      ...user?.human,
      givenName: 'Set',
      familyName: 'Person',
      nickname: 'Setty',
      displayName: 'S. Person',
      locale: 'fr-CH',
      gender: 'diverse',
      email: 'set.person@example.com',
      emailVerified: true,
      phone: '+41 44 111 22 33',
      phoneVerified: true,
    });
    await call(server, admin, 'DELETE', `${base}/flows/internal-authentication`);
  });
});

describe('the actions API', () => {
  it('refuses what it would not honour, naming the field', async () => {
    const { server, orgs } = fixture;
    const base = `/orgs/${orgs.ACME}`;
    const refusals: Array<[unknown, string]> = [
      [{ name: 'noScript' }, 'script'],
      [{ name: 'has space', script: 'x' }, 'name'],
      [{ name: 'target', type: 'call' }, 'endpoint'],
      [{ name: 'target', type: 'call', endpoint: 'http://127.0.0.1/', allowedHosts: ['a.example'] }, 'allowedHosts'],
      [{ name: 'slow', script: 'x', timeoutMs: 60_000 }, 'timeoutMs'],
      [{ name: 'ftp', type: 'webhook', endpoint: 'ftp://example.com/' }, 'endpoint'],
    ];
    for (const [body, field] of refusals) {
      const response = await call(server, admin, 'POST', `${base}/actions`, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.ok(JSON.stringify(response.body).includes(field), `${JSON.stringify(response.body)} names ${field}`);
    }
    const other = await createAction(server, admin, `/orgs/${orgs.Beta}`, { name: 'betaOnly', script: 'x' });
    const foreign = await call(server, admin, 'PUT', `${base}/flows/complement-token/triggers/pre-userinfo-creation`, {
      actionIds: [other.id],
    });
    assert.equal(foreign.status, 400);
    const unknownTrigger = await call(server, admin, 'PUT', `${base}/flows/complement-token/triggers/pre-creation`, {
      actionIds: [],
    });
    assert.equal(unknownTrigger.status, 400);
  });

  it('refuses a script that does not parse, naming the field and the line, on creation and on change', async () => {
    const { server, orgs } = fixture;
    const base = `/orgs/${orgs.ACME}`;
    const broken = 'function broken(ctx, api) {\n  let x = 1;\n  x = ;\n}';
    const created = await call(server, admin, 'POST', `${base}/actions`, { name: 'broken', script: broken });
    assert.equal(created.status, 400, JSON.stringify(created.body));
    assert.deepEqual(
      (created.body.errors as Array<{ field: string; message: string }>).map((error) => error.field),
      ['script'],
    );
    assert.match(JSON.stringify(created.body), /line 3: SyntaxError/);
    // Compiled, never run: a script that would loop forever or throw at once is accepted.
    const { id } = await createAction(server, admin, base, { name: 'parses', script: 'while (true) {}' });
    const changed = await call(server, admin, 'PUT', `${base}/actions/${id}`, { name: 'parses', script: '}' });
    assert.equal(changed.status, 400, JSON.stringify(changed.body));
    assert.match(JSON.stringify(changed.body), /script: line 1: SyntaxError/);
  });

  it('records every version in the audit trail; the test run reports without applying', async () => {
    const { server, orgs } = fixture;
    const base = `/orgs/${orgs.ACME}`;
    const action = await createAction(server, admin, base, {
      name: 'versioned',
      script: "function versioned(ctx, api) { api.v1.claims.setClaim('v', 1); }",
    });
    const changed = await call(server, admin, 'PUT', `${base}/actions/${action.id}`, {
      name: 'versioned',
      script: "function versioned(ctx, api) { api.v1.claims.setClaim('v', 2); }",
    });
    assert.equal(changed.body.version, 2);
    const events = await call(server, admin, 'GET', `/events?orgId=${orgs.ACME}&resourceId=${action.id}`);
    const versions = (events.body.events as Array<{ type: string; payload: { version: number; script: string } }>)
      .map((event) => [event.type, event.payload.version, event.payload.script.includes("'v', 2")])
      .reverse();
    assert.deepEqual(versions, [
      ['action.added', 1, false],
      ['action.changed', 2, true],
    ]);
    const trial = await call(server, admin, 'POST', `${base}/actions/${action.id}/test`, {
      userId: await userId('acme-owner'),
    });
    assert.deepEqual(trial.body.claims, { v: 2 });
    const notOwnUser = await call(server, admin, 'POST', `${base}/actions/${action.id}/test`, {
      userId: await userId('alice'),
    });
    assert.equal(notOwnUser.status, 404);
  });

  it('an org viewer reads actions and flows but cannot change them; other orgs do not see them', async () => {
    const { server, orgs } = fixture;
    const base = `/orgs/${orgs.ACME}`;
    const viewer = await call(server, admin, 'POST', `${base}/users/machine`, { username: 'viewer', name: 'Viewer' });
    const viewerId = String(viewer.body.id ?? viewer.body.userId);
    await call(server, admin, 'POST', `${base}/members`, { userId: viewerId, roles: ['ORG_OWNER_VIEWER'] });
    const token = (await call(server, admin, 'POST', `/users/${viewerId}/personal-access-tokens`, {})).body
      .token as string;
    assert.equal((await call(server, token, 'GET', `${base}/actions`)).status, 200);
    assert.equal((await call(server, token, 'GET', `${base}/flows/complement-token`)).status, 200);
    assert.equal((await call(server, token, 'POST', `${base}/actions`, { name: 'x', script: 'x' })).status, 403);
    assert.equal((await call(server, token, 'GET', `/orgs/${orgs.Beta}/actions`)).status, 404);
    assert.equal((await call(server, token, 'GET', '/instance/actions')).status, 404);
  });

  it('a removed org takes its actions, flows and webhook subscriptions with it', async () => {
    const { server } = fixture;
    const org = (await call(server, admin, 'POST', '/orgs', { name: 'Short-lived' })).body.id as string;
    const action = await createAction(server, admin, `/orgs/${org}`, { name: 'gone', script: 'x' });
    await attach(server, admin, `/orgs/${org}`, 'complement-token', 'pre-userinfo-creation', [action.id]);
    const hook = { url: 'https://hooks.example/x', eventTypes: ['*'] };
    assert.equal((await call(server, admin, 'POST', `/orgs/${org}/webhooks`, hook)).status, 201);
    assert.equal((await call(server, admin, 'DELETE', `/orgs/${org}`)).status, 204);
    const left = await Promise.all([
      Action.countDocuments({ orgId: org }),
      ActionFlow.countDocuments({ orgId: org }),
      WebhookSubscription.countDocuments({ orgId: org }),
    ]);
    assert.deepEqual(left, [0, 0, 0]);
  });
});
