// ZITADEL's pre- and post-creation triggers of the internal-authentication flow get `ctx.v1.authRequest` when a user
// registers in the login (https://zitadel.com/docs/apis/actions/internal-authentication): a real registration in the
// login UI, a pre-creation script stamping the request into the new user's metadata and a post-creation script
// telling a loopback receiver through http.fetch.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { User } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { openPage, pageText, redeemCode, startLogin, submitForm } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { attach, createAction, startReceiver } from './helpers.ts';

const PASSWORD = 'Register-Passw0rd!';
let server: TestServer;
let admin: string;

before(async () => {
  // The receiver listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(server);
});
after(() => server.stop());

async function orgAllowingRegistration(): Promise<string> {
  const org = await call(server, admin, 'POST', '/orgs', { name: `Reg ${randomUUID().slice(0, 8)}` });
  const orgId = org.body.id as string;
  assert.equal((await call(server, admin, 'PUT', `/orgs/${orgId}/login-policy`, { allowRegister: true })).status, 200);
  return orgId;
}

/** The registration form of a login into the org, the interaction's uid (its authRequest id) from the link. */
async function registrationForm(orgId: string, uiLocales: string) {
  const options = demoLogin(server, {
    scope: `openid email urn:zitadel:iam:org:id:${orgId}`,
    extraParams: { ui_locales: uiLocales },
  });
  const flow = await startLogin(options);
  const match = /href="(\/ui\/login\/([^/"]+)\/register)"/.exec(flow.page!.html);
  assert.ok(match, 'the login-name page offers "Register"');
  const page = await openPage(flow.jar, `${server.url}${match[1]}`);
  return { options, link: { uid: match[2] }, form: { ...flow, page: page.page } };
}

const registrationFields = (email: string) => ({
  givenName: 'Ada',
  familyName: 'Request',
  email,
  password: PASSWORD,
  passwordConfirmation: PASSWORD,
});

describe('pre- and post-creation at registration in the login', () => {
  it('read the authorization request as ctx.v1.authRequest', async () => {
    const receiver = await startReceiver();
    try {
      const orgId = await orgAllowingRegistration();
      const base = `/orgs/${orgId}`;
      const stamp = await createAction(server, admin, base, {
        name: 'stampRequest',
        script: `function stampRequest(ctx, api) {
          const request = ctx.v1.authRequest;
          api.v1.user.appendMetadata('request', [request.id, request.applicationId, request.uiLocales.join('+'),
            request.request.scopes.includes('email')].join(' '));
        }`,
      });
      const tell = await createAction(server, admin, base, {
        name: 'tellRequest',
        script: `function tellRequest(ctx, api) {
          http.fetch('${receiver.url}', { method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ user: ctx.v1.user.username, applicationId: ctx.v1.authRequest.applicationId }) });
        }`,
        allowedHosts: [receiver.host],
      });
      await attach(server, admin, base, 'internal-authentication', 'pre-creation', [stamp.id]);
      await attach(server, admin, base, 'internal-authentication', 'post-creation', [tell.id]);

      const { options, link, form } = await registrationForm(orgId, 'de-CH fr');
      const email = `actions-${orgId}@example.com`;
      const done = await submitForm(form, registrationFields(email));
      assert.ok((await redeemCode(done)).claims(), 'the registration signs the new user in');

      const user = await User.findOne({ orgId, username: email }).lean();
      const metadata = await call(server, admin, 'GET', `/users/${user!._id}/metadata`);
      assert.deepEqual(metadata.body.metadata, { request: `${link.uid} ${options.clientId} de-CH+fr true` });
      const told = receiver.received.map((request) => JSON.parse(request.body) as Record<string, unknown>);
      assert.deepEqual(told, [{ user: email, applicationId: options.clientId }]);
    } finally {
      await receiver.close();
    }
  });

  it('a pre-creation denial is shown on the form (400); a failed action only as "try again later"', async () => {
    const orgId = await orgAllowingRegistration();
    const base = `/orgs/${orgId}`;
    const gate = await createAction(server, admin, base, {
      name: 'gate',
      script: `function gate(ctx, api) {
        if (ctx.v1.authRequest.uiLocales.includes('x-deny')) api.v1.setDenied('Registration is closed for this app');
        if (ctx.v1.authRequest.uiLocales.includes('x-fail')) throw new Error('internal detail');
      }`,
    });
    await attach(server, admin, base, 'internal-authentication', 'pre-creation', [gate.id]);
    const denied = await submitForm(
      (await registrationForm(orgId, 'x-deny')).form,
      registrationFields(`denied-${orgId}@example.com`),
    );
    assert.equal(denied.page?.status, 400);
    assert.match(pageText(denied.page!.html), /Registration is closed for this app/);
    const failed = await submitForm(
      (await registrationForm(orgId, 'x-fail')).form,
      registrationFields(`failed-${orgId}@example.com`),
    );
    assert.equal(failed.page?.status, 400);
    assert.match(pageText(failed.page!.html), /could not be completed/);
    assert.doesNotMatch(pageText(failed.page!.html), /internal detail/);
    assert.equal(await User.countDocuments({ orgId }), 0);
  });
});
