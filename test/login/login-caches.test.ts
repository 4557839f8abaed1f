// What the login reads through the per-instance cache (store/cache/): a user's second factors and the user itself.
// Each test logs a user in first, so that what it then changes was cached, and checks that the next login sees the
// change at once (this process drops its cache on the write; others at their next revision poll).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { confirmTotpEnrollment, startTotpEnrollment } from '../../src/domain/commands/user-factors.ts';
import { LOGIN_MESSAGES } from '../../src/domain/rules/login-checks.ts';
import { totpCode } from '../../src/platform/one-time-codes.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { pageText, startLogin, submitForm, submitLoginName } from '../helpers/login.ts';
import { demoLogin, nextStepCode, onStep, orgWithUser, passwordStep, type OrgUser } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

async function loginFinishes(user: OrgUser): Promise<boolean> {
  return Boolean((await passwordStep(server, user.username)).callbackUrl?.searchParams.get('code'));
}

/** Sets up an authenticator app for the user as the account page does (its own actor), outside any login. */
async function enrollTotp(user: OrgUser): Promise<string> {
  const actor = { instanceId: server.bootstrap.instanceId, actorId: user.userId };
  const owner = { _id: user.userId, orgId: user.orgId };
  const label = { issuer: 'Castellan', account: user.username };
  const enrollment = await startTotpEnrollment(actor, owner, server.services.masterKey, label);
  const confirmed = await confirmTotpEnrollment(
    actor,
    owner,
    enrollment.factorId,
    totpCode(enrollment.secret),
    server.services.masterKey,
    false,
  );
  assert.equal(confirmed.confirmed, true);
  return enrollment.secret;
}

describe('login caches', () => {
  it("asks for a code once the user has set up an app since their last login, and not once it's removed", async () => {
    const user = await orgWithUser(server, admin, {});
    assert.ok(await loginFinishes(user), 'no factor: the password finishes the login');
    const secret = await enrollTotp(user);
    let flow = await passwordStep(server, user.username);
    assert.ok(onStep(flow, '/mfa'), 'the new app is asked for after the password');
    flow = await submitForm(flow, { code: nextStepCode(secret) });
    assert.ok(flow.callbackUrl?.searchParams.get('code'), pageText(flow.page?.html ?? ''));
    assert.equal((await call(server, admin, 'DELETE', `/users/${user.userId}/mfa`)).status, 204);
    assert.ok(await loginFinishes(user), 'the factors were removed: the password finishes the login again');
  });

  it('refuses at the code page a user deactivated after their password was checked', async () => {
    const user = await orgWithUser(server, admin, {});
    const secret = await enrollTotp(user);
    // The login name step has cached the user.
    const flow = await passwordStep(server, user.username);
    assert.ok(onStep(flow, '/mfa'));
    assert.equal((await call(server, admin, 'POST', `/users/${user.userId}/deactivate`)).status, 200);
    const refused = await submitForm(flow, { code: nextStepCode(secret) });
    assert.equal(refused.callbackUrl?.searchParams.get('code'), undefined, `no code: ${refused.callbackUrl}`);
    assert.equal(refused.page?.status, 403, pageText(refused.page?.html ?? ''));
  });

  it('refuses at the login name a user deactivated since their last login', async () => {
    const user = await orgWithUser(server, admin, {});
    assert.ok(await loginFinishes(user));
    assert.equal((await call(server, admin, 'POST', `/users/${user.userId}/deactivate`)).status, 200);
    const flow = await submitLoginName(await startLogin(demoLogin(server)), user.username);
    assert.equal(flow.page?.status, 403);
    assert.match(pageText(flow.page!.html), new RegExp(LOGIN_MESSAGES.userInactive.slice(0, 30)));
  });
});
