// Organization-scoped login (urn:zitadel:iam:org:id / domain scopes): who may log in, sessions across orgs,
// domain discovery, and the scoped org's login policy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { Organization, User } from '../../src/store/models/index.ts';
import {
  CookieJar,
  loginWithPassword,
  pageText,
  startLogin,
  submitLoginName,
  submitPassword,
  type LoginOptions,
} from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let demo: LoginOptions;
const orgs: Record<string, string> = {};

before(async () => {
  server = await startTestServer();
  demo = demoLogin(server, { scope: 'openid profile' });
  for (const org of await Organization.find({ instanceId: server.bootstrap.instanceId }).lean())
    orgs[org.name] = org._id;
});
after(() => server.stop());

const instanceId = () => server.bootstrap.instanceId;
const orgScope = (name: string) => `openid profile urn:zitadel:iam:org:id:${orgs[name]}`;

async function userId(username: string): Promise<string> {
  return (await User.findOne({ instanceId: instanceId(), username }, { _id: 1 }).lean())!._id;
}

async function createUser(username: string, orgName: string, email = `${username}@example.com`): Promise<string> {
  const template = await User.findOne({ instanceId: instanceId(), username: 'alice' }).lean();
  return (
    await User.create({
      instanceId: instanceId(),
      orgId: orgs[orgName],
      type: 'human',
      username,
      human: { ...template!.human, email },
    })
  )._id;
}

async function refusedAtLoginName(options: LoginOptions, loginName: string): Promise<string> {
  const flow = await submitLoginName(await startLogin(options), loginName);
  assert.equal(flow.callbackUrl, null, 'no redirect to the client');
  return pageText(flow.page!.html);
}

describe('organization-scoped login', () => {
  it("lets the scoped org's users in, by org id and by primary domain", async () => {
    const byId = await loginWithPassword({
      ...demo,
      scope: orgScope('Beta'),
      loginName: 'bob',
      password: DEMO_PASSWORD,
    });
    assert.equal(byId.claims()?.sub, await userId('bob'));
    const byDomain = await loginWithPassword({
      ...demo,
      scope: 'openid urn:zitadel:iam:org:domain:primary:beta.localhost',
      loginName: 'bob',
      password: DEMO_PASSWORD,
    });
    assert.equal(byDomain.claims()?.sub, await userId('bob'));
  });

  it('refuses a user of another org with "User is no member of the required organization"', async () => {
    assert.match(
      await refusedAtLoginName({ ...demo, scope: orgScope('Beta') }, 'alice'),
      new RegExp(LOGIN_MESSAGES.notAllowedOrg),
    );
    assert.match(
      await refusedAtLoginName(
        { ...demo, scope: 'openid urn:zitadel:iam:org:domain:primary:beta.localhost' },
        'alice@alpha.localhost',
      ),
      new RegExp(LOGIN_MESSAGES.notAllowedOrg),
    );
  });

  it('an unknown org fails the authorization request with invalid_request at the client', async () => {
    const flow = await startLogin({ ...demo, scope: 'openid urn:zitadel:iam:org:id:999999' });
    assert.equal(flow.callbackUrl?.searchParams.get('error'), 'invalid_request');
  });

  it('a browser session of org X does not satisfy a request scoped to org Y', async () => {
    const jar = new CookieJar();
    const alice = await loginWithPassword({ ...demo, jar, loginName: 'alice', password: DEMO_PASSWORD });
    assert.equal(alice.claims()?.sub, await userId('alice'));

    // The same browser, unscoped or scoped to Alice's org: the session is reused, no login page.
    const reused = await startLogin({ ...demo, jar, scope: orgScope('Alpha') });
    assert.ok(reused.callbackUrl?.searchParams.get('code'), 'the session satisfies its own org');

    // Scoped to Beta: a fresh login is required, and Alice cannot give it.
    const scoped = await startLogin({ ...demo, jar, scope: orgScope('Beta') });
    assert.equal(scoped.callbackUrl, null, 'no code from the session of another org');
    assert.match(scoped.page!.html, /name="loginName"/);
    assert.match(
      pageText((await submitLoginName(scoped, 'alice')).page!.html),
      new RegExp(LOGIN_MESSAGES.notAllowedOrg),
    );

    // prompt=none cannot silently pass either.
    const silent = await startLogin({ ...demo, jar, scope: orgScope('Beta'), extraParams: { prompt: 'none' } });
    assert.equal(silent.callbackUrl?.searchParams.get('error'), 'login_required');

    // Bob (Beta) logs in in the same browser: the provider replaces Alice's session.
    const bob = await loginWithPassword({
      ...demo,
      jar,
      scope: orgScope('Beta'),
      loginName: 'bob',
      password: DEMO_PASSWORD,
    });
    assert.equal(bob.claims()?.sub, await userId('bob'));
  });

  it("domain discovery: a login name in an org's verified domain selects that org", async () => {
    // Carol belongs to Beta but her email is in Alpha's domain: discovery selects Alpha, so she is refused.
    await createUser('carol', 'Beta', 'carol@alpha.localhost');
    assert.match(await refusedAtLoginName(demo, 'carol@alpha.localhost'), new RegExp(LOGIN_MESSAGES.notAllowedOrg));
    assert.ok(await loginWithPassword({ ...demo, loginName: 'carol', password: DEMO_PASSWORD }));

    // Without discovery in Alpha's policy, the email is just her login name.
    await Organization.updateOne({ _id: orgs.Alpha }, { $set: { loginPolicy: { allowDomainDiscovery: false } } });
    try {
      const tokens = await loginWithPassword({ ...demo, loginName: 'carol@alpha.localhost', password: DEMO_PASSWORD });
      assert.equal(tokens.claims()?.sub, await userId('carol'));
    } finally {
      await Organization.updateOne({ _id: orgs.Alpha }, { $set: { loginPolicy: null } });
    }
  });

  it("applies the scoped org's policy: branding and allowed methods", async () => {
    await Organization.updateOne(
      { _id: orgs.Beta },
      { $set: { loginPolicy: { branding: { displayName: 'Beta Sign-In', primaryColor: '#aa3300' } } } },
    );
    const flow = await startLogin({ ...demo, scope: orgScope('Beta') });
    assert.match(flow.page!.html, /<header>Beta Sign-In<\/header>/);
    assert.match(flow.page!.html, /--primary: #aa3300/);
    // Without an org scope, the identified user's org brands the password page.
    const unscoped = await submitLoginName(await startLogin(demo), 'bob');
    assert.match(unscoped.page!.html, /<header>Beta Sign-In<\/header>/);

    await Organization.updateOne({ _id: orgs.Beta }, { $set: { loginPolicy: { allowUsernamePassword: false } } });
    try {
      const closed = await startLogin({ ...demo, scope: orgScope('Beta') });
      assert.doesNotMatch(closed.page!.html, /name="loginName"/);
      assert.match(pageText(closed.page!.html), new RegExp(LOGIN_MESSAGES.passwordLoginNotAllowed));
      // Identified without an org scope, Bob gets the same answer from his org's policy.
      assert.match(await refusedAtLoginName(demo, 'bob'), new RegExp(LOGIN_MESSAGES.passwordLoginNotAllowed));
    } finally {
      await Organization.updateOne({ _id: orgs.Beta }, { $set: { loginPolicy: null } });
    }
  });

  it('ignoreUnknownUsernames hides whether a login name exists', async () => {
    await Organization.updateOne({ _id: orgs.ACME }, { $set: { loginPolicy: { ignoreUnknownUsernames: true } } });
    try {
      const flow = await submitLoginName(await startLogin({ ...demo, scope: orgScope('ACME') }), 'no-such-user');
      assert.equal(flow.page?.status, 200);
      assert.match(flow.page!.html, /id="password"/, 'the password page, as for a known login name');
      const refused = await submitPassword(flow, DEMO_PASSWORD);
      assert.match(pageText(refused.page!.html), new RegExp(LOGIN_MESSAGES.usernameOrPasswordInvalid));
      const wrong = await submitPassword(
        await submitLoginName(await startLogin({ ...demo, scope: orgScope('ACME') }), 'acme-owner'),
        'wrong',
      );
      assert.match(pageText(wrong.page!.html), new RegExp(LOGIN_MESSAGES.usernameOrPasswordInvalid));
    } finally {
      await Organization.updateOne({ _id: orgs.ACME }, { $set: { loginPolicy: null } });
    }
  });
});
