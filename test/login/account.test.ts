import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Event } from '../../src/store/models/index.ts';
import { bootstrapToken } from '../api/helpers.ts';
import { CookieJar, openPage, pageText, submitForm } from '../helpers/login.ts';
import {
  nextStepCode,
  onStep,
  orgWithUser,
  passwordStep,
  PASSWORD,
  shownRecoveryCodes,
  shownSecret,
  submitFormTo,
} from '../helpers/mfa.ts';
import { totpCode } from '../../src/platform/one-time-codes.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

it('a user signs in to the self-service page, sets up an authenticator app, is asked for it, and removes it', async () => {
  const user = await orgWithUser(server, admin, {});
  const jar = new CookieJar();
  let page = await openPage(jar, `${server.url}/ui/account`);
  assert.match(pageText(page.page!.html), /Sign in to see and manage your second factors/);
  const wrong = await submitForm(page, { loginName: user.username, password: 'wrong' });
  assert.equal(wrong.page?.status, 401);
  page = await submitForm(wrong, { loginName: user.username, password: PASSWORD });
  assert.match(pageText(page.page!.html), /You have no second factor/);

  page = await submitFormTo(page, '/ui/account/totp', {});
  const secret = shownSecret(page.page!.html);
  const badCode = await submitForm(page, { code: '000000' });
  assert.equal(badCode.page?.status, 400);
  assert.equal(shownSecret(badCode.page!.html), secret, 'the same enrollment is shown again');
  page = await submitForm(badCode, { code: totpCode(secret) });
  assert.equal(shownRecoveryCodes(page.page!.html).length, 10);
  page = await submitForm(page, {});
  assert.match(pageText(page.page!.html), /Authenticator app, added .* Recovery codes, added .*\(10 of 10 left\)/);

  // The login now asks for the factor.
  assert.ok(onStep(await passwordStep(server, user.username), '/mfa'));

  // Signing in again asks for the second factor before the factors are shown.
  page = await submitFormTo(page, '/ui/account/sign-out', {});
  page = await submitForm(page, { loginName: user.username, password: PASSWORD });
  assert.match(page.page!.html, /action="\/ui\/account\/code"/);
  page = await submitForm(page, { code: nextStepCode(secret) });
  const totpId = /action="\/ui\/account\/factors\/([^/]+)\/remove"/.exec(page.page!.html)![1]!;
  page = await submitFormTo(page, `/ui/account/factors/${totpId}/remove`, {});
  assert.doesNotMatch(pageText(page.page!.html), /Authenticator app/);
  const types = (await Event.find({ resourceId: user.userId }).lean()).map((event) => event.type);
  assert.ok(types.includes('user.mfa.removed') && types.includes('user.mfa.check.succeeded'), String(types));
});

it('refuses a form without its token, and changes without a signed-in session', async () => {
  const jar = new CookieJar();
  const page = await openPage(jar, `${server.url}/ui/account`);
  const forged = await submitForm(page, { csrf: 'forged', loginName: 'x', password: 'y' });
  assert.equal(forged.page?.status, 400);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.page!.html)![1]!;
  const response = await fetch(`${server.url}/ui/account/recovery-codes`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: jar.header(new URL(`${server.url}/ui/account/recovery-codes`)),
    },
    body: new URLSearchParams({ csrf }).toString(),
    redirect: 'manual',
  });
  assert.equal(response.status, 303, 'back to the sign-in page');
  assert.equal(response.headers.get('location'), '/ui/account');
});
