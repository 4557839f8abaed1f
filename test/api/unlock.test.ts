import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { demoLogin } from '../helpers/mfa.ts';
import { Organization } from '../../src/store/models/index.ts';
import { pageText, startLogin, submitLoginName, submitPassword, type LoginOptions } from '../helpers/login.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { bootstrapToken, call } from './helpers.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

it('reactivating a locked user through the API unlocks it for good', async () => {
  const acme = await Organization.findOne({ name: 'ACME' }).lean();
  const policy = await call(server, admin, 'PUT', `/orgs/${acme!._id}/login-policy`, {
    lockout: { maxPasswordAttempts: 2 },
  });
  assert.equal(policy.status, 200, JSON.stringify(policy.body));
  const password = 'Unl0ck-Me-Please!';
  const created = await call(server, admin, 'POST', `/orgs/${acme!._id}/users/human`, {
    username: 'locked-out',
    email: 'locked-out@acme.example',
    givenName: 'Lou',
    familyName: 'Locked',
    password,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const userId = created.body.id as string;
  const demo: LoginOptions = demoLogin(server);

  let flow = await submitLoginName(await startLogin(demo), 'locked-out');
  for (let attempt = 0; attempt < 3; attempt++) flow = await submitPassword(flow, 'wrong');
  assert.match(pageText(flow.page!.html), /User is locked/);
  assert.equal((await call(server, admin, 'GET', `/users/${userId}`)).body.state, 'locked');

  const reactivated = await call(server, admin, 'POST', `/users/${userId}/reactivate`);
  assert.equal(reactivated.status, 200, JSON.stringify(reactivated.body));
  assert.equal(reactivated.body.state, 'active');

  // One more wrong password is within the policy again (it would lock at once if old attempts were kept) …
  flow = await submitPassword(await submitLoginName(await startLogin(demo), 'locked-out'), 'wrong');
  assert.doesNotMatch(pageText(flow.page!.html), /User is locked/);
  // … and the right one logs in.
  flow = await submitPassword(flow, password);
  assert.ok(flow.callbackUrl?.searchParams.get('code'), `logged in: ${flow.page && pageText(flow.page.html)}`);
});
