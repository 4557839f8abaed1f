// Changing one's password on the self-service page: the current password is asked (and counted like a login's), the
// new one follows the org's complexity policy, the change is audited, and every sign-in session of the user ends.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Event } from '../../src/store/models/index.ts';
import { bootstrapToken } from '../api/helpers.ts';
import { CookieJar, openPage, pageText, startLogin, submitForm } from '../helpers/login.ts';
import { demoLogin, orgWithUser, passwordStep, PASSWORD, submitFormTo } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

const NEW_PASSWORD = 'A-much-l0nger-passphrase!';

it('asks the current password, applies the complexity policy, audits the change and ends the sessions', async () => {
  const user = await orgWithUser(server, admin, { passwordComplexity: { minLength: 14 } });
  // A browser signed in to an app: its session answers a new authorization without a login.
  const appJar = new CookieJar();
  assert.ok((await passwordStep(server, user.username, { jar: appJar })).callbackUrl);
  assert.ok((await startLogin(demoLogin(server, { jar: appJar }))).callbackUrl, 'the session is reused');

  let page = await openPage(new CookieJar(), `${server.url}/ui/account`);
  page = await submitForm(page, { loginName: user.username, password: PASSWORD });
  page = await submitFormTo(page, '/ui/account/password/form', {});
  assert.match(pageText(page.page!.html), /at least 14 characters/);
  const change = (fields: Record<string, string>) =>
    submitForm(page, {
      currentPassword: PASSWORD,
      password: NEW_PASSWORD,
      passwordConfirmation: NEW_PASSWORD,
      ...fields,
    });

  const wrongCurrent = await change({ currentPassword: 'not-my-password' });
  assert.equal(wrongCurrent.page?.status, 401);
  const mismatch = await change({ passwordConfirmation: `${NEW_PASSWORD}x` });
  assert.equal(mismatch.page?.status, 400);
  assert.match(pageText(mismatch.page!.html), /not the same/);
  const tooShort = await change({ password: 'Sh0rt-Pass!', passwordConfirmation: 'Sh0rt-Pass!' });
  assert.equal(tooShort.page?.status, 400);
  assert.match(pageText(tooShort.page!.html), /at least 14 characters/);
  assert.equal(await Event.countDocuments({ resourceId: user.userId, type: 'user.password.changed' }), 0);

  const changed = await change({});
  assert.equal(changed.page?.status, 200, pageText(changed.page!.html));
  assert.match(pageText(changed.page!.html), /password has been changed/);
  const event = await Event.findOne({ resourceId: user.userId, type: 'user.password.changed' }).lean();
  assert.equal(event?.actorId, user.userId, 'the user changed it themselves');
  assert.ok(!JSON.stringify(event).includes(NEW_PASSWORD));

  const reuse = await startLogin(demoLogin(server, { jar: appJar }));
  assert.equal(reuse.callbackUrl, null, 'the app session ended: the login is asked again');
  const old = await passwordStep(server, user.username);
  assert.equal(old.page?.status, 401, 'the old password no longer works');
  let fresh = await startLogin(demoLogin(server));
  fresh = await submitForm(fresh, { loginName: user.username });
  fresh = await submitForm(fresh, { password: NEW_PASSWORD });
  assert.ok(fresh.callbackUrl?.searchParams.get('code'), 'the new one does');
  // The account page stays signed in: the user just proved their password.
  assert.match(pageText((await submitFormTo(changed, '/ui/account', {})).page!.html), /Second factors/);
});

it('the change form needs a signed-in session', async () => {
  const page = await openPage(new CookieJar(), `${server.url}/ui/account`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.page!.html)![1]!;
  for (const path of ['/ui/account/password/form', '/ui/account/password']) {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: page.jar.header(new URL(`${server.url}${path}`)),
      },
      body: new URLSearchParams({ csrf, currentPassword: PASSWORD, password: NEW_PASSWORD }).toString(),
      redirect: 'manual',
    });
    assert.equal(response.status, 303, path);
    assert.equal(response.headers.get('location'), '/ui/account');
  }
});
