// prompt=select_account (OpenID Connect Core 1.0 §3.1.2.1): the login shows the accounts signed in in this browser,
// plus "Use another account". An account continues without a password while its own login's checks are within the
// login policy's lifetimes (test/login/browser-accounts.test.ts has the switching between accounts).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { bootstrapToken } from '../api/helpers.ts';
import { CookieJar, pageText, redeemCode, startLogin, submitForm, type LoginFlow } from '../helpers/login.ts';
import { demoLogin, orgWithUser, passwordStep, PASSWORD, submitFormTo, type OrgUser } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

const SELECT = { prompt: 'select_account' };

/** The chooser's accounts, as its buttons name them. */
const shownAccounts = (flow: LoginFlow) =>
  [...flow.page!.html.matchAll(/aria-label="Continue as ([^"]+)"/g)].map((match) => match[1]!);

/** Picks an account on the chooser (its own form), following the provider's logout of another account if asked. */
async function pick(flow: LoginFlow, username: string): Promise<LoginFlow> {
  const html = flow.page!.html;
  const at = html.indexOf(`aria-label="Continue as ${username}"`);
  assert.ok(at > 0, `${username} is offered`);
  const formStart = html.lastIndexOf('<form', at);
  return submitForm({ ...flow, page: { ...flow.page!, html: html.slice(formStart) } }, {});
}

/** Submits the provider's switch-account logout form (end_session_confirm) when the flow stopped on it. */
async function throughLogout(flow: LoginFlow): Promise<LoginFlow> {
  return flow.page && /session\/end\/confirm/.test(flow.page.html) ? submitForm(flow, {}) : flow;
}

async function signedIn(user: OrgUser, jar: CookieJar) {
  const flow = await throughLogout(await passwordStep(server, user.username, { jar }));
  return (await redeemCode(flow)).claims()!;
}

describe('prompt=select_account', () => {
  it("continues as the session's account without a password, keeping its auth_time", async () => {
    const alice = await orgWithUser(server, admin, {});
    const jar = new CookieJar();
    const first = await signedIn(alice, jar);
    await sleep(1100);
    const chooser = await startLogin(demoLogin(server, { jar, extraParams: SELECT }));
    assert.ok(chooser.page, 'the chooser is shown although a session exists');
    assert.deepEqual(shownAccounts(chooser), [alice.username]);
    assert.match(pageText(chooser.page.html), /Use another account/);
    const claims = (await redeemCode(await pick(chooser, alice.username))).claims()!;
    assert.equal(claims.sub, alice.userId);
    assert.equal(claims.auth_time, first.auth_time, 'no new authentication');
    assert.deepEqual(claims.amr, ['pwd']);
  });

  it('"Use another account" starts the login; then both accounts are offered, the other one without a password', async () => {
    const alice = await orgWithUser(server, admin, {});
    const bob = await orgWithUser(server, admin, {});
    const jar = new CookieJar();
    await signedIn(alice, jar);
    let flow = await startLogin(demoLogin(server, { jar, extraParams: SELECT }));
    flow = await submitFormTo(flow, '/select-account/other', {});
    assert.match(flow.page!.html, /name="loginName"/, 'the login-name page');
    flow = await submitForm(flow, { loginName: bob.username });
    flow = await throughLogout(await submitForm(flow, { password: PASSWORD }));
    assert.equal((await redeemCode(flow)).claims()!.sub, bob.userId);

    flow = await startLogin(demoLogin(server, { jar, extraParams: SELECT }));
    assert.deepEqual(shownAccounts(flow).sort(), [alice.username, bob.username].sort());
    flow = await throughLogout(await pick(flow, alice.username));
    assert.equal((await redeemCode(flow)).claims()!.sub, alice.userId, 'her login in this browser still counts');
  });

  it("asks the password again once the session's password check is older than passwordCheckLifetime", async () => {
    const carol = await orgWithUser(server, admin, { passwordCheckLifetime: 1 });
    const jar = new CookieJar();
    await signedIn(carol, jar);
    await sleep(2100);
    let flow = await startLogin(demoLogin(server, { jar, extraParams: SELECT }));
    flow = await pick(flow, carol.username);
    assert.match(flow.page!.html, /name="password"/);
    flow = await submitForm(flow, { password: PASSWORD });
    assert.equal((await redeemCode(flow)).claims()!.sub, carol.userId);
  });

  it('refuses an account that is not among the choices, and shows only "Use another account" without any', async () => {
    const flow = await startLogin(demoLogin(server, { extraParams: SELECT }));
    assert.deepEqual(shownAccounts(flow), []);
    const uid = /\/ui\/login\/([^/"]+)\/select-account/.exec(flow.page!.html)![1]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(flow.page!.html)![1]!;
    const forged = await fetch(`${server.url}/ui/login/${uid}/select-account`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: flow.jar.header(new URL(`${server.url}/ui/login/${uid}/x`)),
      },
      body: new URLSearchParams({ csrf, accountId: 'someone-else' }).toString(),
      redirect: 'manual',
    });
    assert.equal(forged.status, 400);
  });
});
