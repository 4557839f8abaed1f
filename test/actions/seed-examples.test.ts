// Seed 003's actions as written, through real logins with openid-client: a `department` claim and the `engineer` role
// from a complement-token action, and a login denied for an unverified email by a pre-authentication action.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { User } from '../../src/store/models/index.ts';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { demoApp, demoRp, startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';
import { pageText, startLogin, submitLoginName, submitPassword } from '../helpers/login.ts';
import { attach, createAction } from './helpers.ts';

let fixture: OidcFixture;
let admin: string;
const { demoLogin, demoConfig, userId } = demoRp(() => fixture);

// Seed 003's enrichToken, with the department read from the user's metadata (the seed's getUserDepartment stands
// for "your database"), and two claims it must not get: `sub` and the roles claim.
const ENRICH_TOKEN = `function enrichToken(ctx, api) {
  const entry = ctx.v1.getMetadata().metadata.find((item) => item.key === 'department');
  const department = entry ? entry.value : 'Sales';
  api.v1.claims.setClaim('department', department);
  if (department === 'Engineering') {
    api.v1.claims.appendRoleToClaims('engineer');
  }
  api.v1.claims.setClaim('sub', 'someone-else');
  api.v1.claims.setClaim('urn:zitadel:iam:org:project:roles', {});
  api.v1.claims.appendLogIntoClaims('enriched ' + ctx.v1.user.username);
}`;

const PRE_AUTHENTICATION = `function preAuthentication(ctx, api) {
  if (!ctx.v1.user.emailVerified) {
    api.v1.setDenied('Email must be verified before login')
  }
}`;

before(async () => {
  fixture = await startOidcFixture();
  admin = await bootstrapToken(fixture.server);
});
after(() => fixture.server.stop());

describe('complement token (seed 003)', () => {
  it('adds `department` and appends `engineer` to the roles claims; sub and the roles claim cannot be set', async () => {
    const { server, orgs } = fixture;
    const base = `/orgs/${orgs.Alpha}`;
    const alice = await userId('alice');
    const metadata = await call(server, admin, 'PUT', `/users/${alice}/metadata/department`, { value: 'Engineering' });
    assert.equal(metadata.status, 204);
    const action = await createAction(server, admin, base, { name: 'enrichToken', script: ENRICH_TOKEN });
    await attach(server, admin, base, 'complement-token', 'pre-userinfo-creation', [action.id]);
    await attach(server, admin, base, 'complement-token', 'pre-access-token-creation', [action.id]);

    const tokens = await demoLogin('alice');
    const idToken = tokens.claims()!;
    const accessToken = decodeJwt(tokens.access_token);
    const userinfo = await client.fetchUserInfo(await demoConfig(), tokens.access_token, alice);
    const engineer = { [orgs.Alpha!]: 'alpha.localhost' };
    for (const [output, claims] of Object.entries({ idToken, accessToken, userinfo })) {
      assert.equal(claims.department, 'Engineering', output);
      assert.equal(claims.sub, alice, output);
      const roles = claims['urn:zitadel:iam:org:project:roles'] as Record<string, unknown>;
      assert.deepEqual(roles.engineer, engineer, output);
      assert.ok(roles.accountant, `${output} keeps the roles from grants`);
      assert.ok((claims.roles as string[]).includes('engineer'), `${output}: the flat roles claim too`);
      assert.deepEqual(claims['urn:zitadel:iam:action:enrichToken:log'], [
        'setClaim refused: the claim sub is reserved',
        'setClaim refused: the claim urn:zitadel:iam:org:project:roles is reserved',
        'enriched alice',
      ]);
    }

    // Bob is Beta's: Alpha's flow does not run for him.
    const bob = (await demoLogin('bob')).claims()!;
    assert.equal(bob.department, undefined);
  });
});

describe('outbound requests', () => {
  it('by default, a target or http.fetch on a private or loopback address is refused', async () => {
    const { server, orgs } = fixture;
    const base = `/orgs/${orgs.ACME}`;
    const user = { userId: await userId('acme-owner') };
    const target = await createAction(server, admin, base, {
      name: 'internal',
      type: 'call',
      endpoint: 'http://127.0.0.1:9/',
    });
    const called = await call(server, admin, 'POST', `${base}/actions/${target.id}/test`, user);
    assert.match(String(called.body.error), /private or special-use address/);
    const script = `function metadata(ctx, api) { http.fetch('http://169.254.169.254/latest/meta-data/'); }`;
    const fetching = await createAction(server, admin, base, {
      name: 'metadata',
      script,
      allowedHosts: ['169.254.169.254'],
    });
    const fetched = await call(server, admin, 'POST', `${base}/actions/${fetching.id}/test`, user);
    assert.match(String(fetched.body.error), /private or special-use address/);
  });
});

describe('pre-authentication (seed 003)', () => {
  it('denies the login of a user with an unverified email with the action’s message; others log in', async () => {
    const { server, orgs, baseUrl } = fixture;
    const base = `/orgs/${orgs.Beta}`;
    const action = await createAction(server, admin, base, { name: 'preAuthentication', script: PRE_AUTHENTICATION });
    await attach(server, admin, base, 'internal-authentication', 'pre-authentication', [action.id]);
    await User.updateOne(
      { instanceId: fixture.instanceId, username: 'bob' },
      { $set: { 'human.emailVerified': false } },
    );

    const flow = await submitLoginName(await startLogin({ baseUrl, ...demoApp(fixture), scope: 'openid' }), 'bob');
    assert.equal(flow.page?.status, 403);
    assert.match(pageText(flow.page!.html), /Email must be verified before login/);
    assert.equal(flow.callbackUrl, null);

    const owner = (await demoLogin('beta-owner')).claims()!;
    assert.equal(owner.sub, await userId('beta-owner'));
  });

  it('post-authentication denies after the password, with the action’s reason', async () => {
    const { server, orgs, baseUrl } = fixture;
    const base = `/orgs/${orgs.Beta}`;
    const script = `function onlyOwners(ctx, api) {
      if (ctx.v1.user.username !== 'beta-owner') api.v1.setDenied('Only the owner may sign in today');
    }`;
    const action = await createAction(server, admin, base, { name: 'onlyOwners', script });
    await attach(server, admin, base, 'internal-authentication', 'post-authentication', [action.id]);
    await attach(server, admin, base, 'internal-authentication', 'pre-authentication', []);

    let flow = await submitLoginName(await startLogin({ baseUrl, ...demoApp(fixture), scope: 'openid' }), 'bob');
    flow = await submitPassword(flow, DEMO_PASSWORD);
    assert.equal(flow.page?.status, 403);
    assert.match(pageText(flow.page!.html), /Only the owner may sign in today/);
    assert.ok((await demoLogin('beta-owner')).claims());
    await attach(server, admin, base, 'internal-authentication', 'post-authentication', []);
  });

  it('reads the authorization request as ctx.v1.authRequest (read-only)', async () => {
    const { server, orgs, baseUrl } = fixture;
    const base = `/orgs/${orgs.Beta}`;
    const script = `function byRequest(ctx, api) {
      const request = ctx.v1.authRequest;
      try { request.applicationId = 'changed'; } catch (error) { /* frozen: strict mode throws */ }
      if (request.uiLocales.includes('x-deny'))
        api.v1.setDenied([request.applicationId, request.loginHint, request.prompt.join('+'),
          request.request.scopes.join('+'), request.maxAuthAge].join(' | '));
    }`;
    const action = await createAction(server, admin, base, { name: 'byRequest', script });
    await attach(server, admin, base, 'internal-authentication', 'post-authentication', [action.id]);
    const extraParams = { ui_locales: 'de-CH x-deny', login_hint: 'bob', prompt: 'login', max_age: '600' };
    const app = demoApp(fixture);
    let flow = await submitLoginName(await startLogin({ baseUrl, ...app, scope: 'openid email', extraParams }), 'bob');
    flow = await submitPassword(flow, DEMO_PASSWORD);
    assert.equal(flow.page?.status, 403);
    assert.match(
      pageText(flow.page!.html),
      new RegExp(`${app.clientId} \\| bob \\| login \\| openid\\+email[^|]* \\| 600`),
    );
    assert.ok((await demoLogin('beta-owner')).claims(), 'without x-deny the login goes on');
    await attach(server, admin, base, 'internal-authentication', 'post-authentication', []);
  });
});
