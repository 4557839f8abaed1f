// Several accounts signed in in one browser (ZITADEL keeps one session per user per user agent): the browser keeps a
// login per account on the server, named by a random id in a signed cookie. A request without a hint shows the
// accounts once there are several; choosing one whose checks are within the login policy's lifetimes continues
// without a password, with its own auth_time and amr. Logout, password changes, locks and a manager's "end sessions"
// end the kept logins.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { BrowserLogin } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { CookieJar, openPage, pageText, redeemCode, startLogin, submitForm, type LoginFlow } from '../helpers/login.ts';
import { demoLogin, orgWithUser, PASSWORD, type OrgUser } from '../helpers/mfa.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
before(async () => {
  server = await startTestServer();
  admin = await bootstrapToken(server);
});
after(() => server.stop());

const shownAccounts = (flow: LoginFlow) =>
  [...flow.page!.html.matchAll(/aria-label="Continue as ([^"]+)"/g)].map((match) => match[1]!).sort();

/** Picks an account on the chooser (its own form). */
function pick(flow: LoginFlow, username: string): Promise<LoginFlow> {
  const html = flow.page!.html;
  const at = html.indexOf(`aria-label="Continue as ${username}"`);
  assert.ok(at > 0, `${username} is offered`);
  return submitForm({ ...flow, page: { ...flow.page!, html: html.slice(html.lastIndexOf('<form', at)) } }, {});
}

/** Signs `user` in in the browser `jar` with a password (prompt=login: past any session the browser has). */
async function signIn(user: OrgUser, jar: CookieJar) {
  let flow = await startLogin(demoLogin(server, { jar, extraParams: { prompt: 'login' } }));
  flow = await submitForm(flow, { loginName: user.username });
  flow = await submitForm(flow, { password: PASSWORD });
  return (await redeemCode(flow)).claims()!;
}

/** A browser in which `users` signed in, one after the other, and the ID token claims of each login. */
async function browserWith(...users: OrgUser[]) {
  const jar = new CookieJar();
  const claims = [];
  for (const user of users) claims.push(await signIn(user, jar));
  return { jar, claims };
}

describe('several accounts in one browser', () => {
  it('asks which account for a request without a hint, and switches without a password, keeping auth_time', async () => {
    const alice = await orgWithUser(server, admin, {});
    const bob = await orgWithUser(server, admin, {});
    const { jar, claims } = await browserWith(alice, bob);
    await sleep(1100);
    let flow = await startLogin(demoLogin(server, { jar }));
    assert.ok(flow.page, 'the chooser, although the session of bob would answer');
    assert.deepEqual(shownAccounts(flow), [alice.username, bob.username].sort());
    flow = await pick(flow, alice.username);
    const asAlice = (await redeemCode(flow)).claims()!;
    assert.equal(asAlice.sub, alice.userId, 'no password asked');
    assert.equal(asAlice.auth_time, claims[0]!.auth_time, "alice's own login");
    assert.deepEqual(asAlice.amr, ['pwd']);

    flow = await pick(await startLogin(demoLogin(server, { jar })), bob.username);
    const asBob = (await redeemCode(flow)).claims()!;
    assert.equal(asBob.sub, bob.userId, 'and back, still without a password');
    assert.equal(asBob.auth_time, claims[1]!.auth_time);
  });

  it('keeps the account of a request naming its user, and of a browser with one account', async () => {
    const alice = await orgWithUser(server, admin, {});
    const bob = await orgWithUser(server, admin, {});
    const single = await browserWith(alice);
    assert.ok((await startLogin(demoLogin(server, { jar: single.jar }))).callbackUrl, 'one account: reused');
    const { jar } = await browserWith(alice, bob);
    const hinted = await startLogin(demoLogin(server, { jar, extraParams: { login_hint: bob.username } }));
    assert.equal((await redeemCode(hinted)).claims()!.sub, bob.userId, 'login_hint: the session, no chooser');
    const none = await startLogin(demoLogin(server, { jar, extraParams: { prompt: 'none' } }));
    assert.ok(none.callbackUrl, 'prompt=none: no chooser either');
  });

  it('asks the password of an account whose login is older than passwordCheckLifetime', async () => {
    const carol = await orgWithUser(server, admin, { passwordCheckLifetime: 1 });
    const dave = await orgWithUser(server, admin, {});
    const { jar } = await browserWith(carol, dave);
    await sleep(2100);
    let flow = await pick(await startLogin(demoLogin(server, { jar })), carol.username);
    assert.match(flow.page!.html, /name="password"/);
    flow = await submitForm(flow, { password: PASSWORD });
    assert.equal((await redeemCode(flow)).claims()!.sub, carol.userId);
  });

  it('keeps the browser id in a signed cookie that names no account, and stores it hashed', async () => {
    const erin = await orgWithUser(server, admin, {});
    const { jar } = await browserWith(erin);
    const cookie = jar.header(new URL(`${server.url}/`));
    const browserId = /castellan_browser=([^;]+)/.exec(cookie)?.[1];
    assert.ok(browserId && browserId.length >= 43, 'a random id of 256 bits');
    assert.match(cookie, /castellan_browser\.sig=/, 'signed');
    assert.ok(!cookie.includes(erin.userId));
    const stored = await BrowserLogin.findOne({ userId: erin.userId }).lean();
    assert.ok(stored && !JSON.stringify(stored).includes(browserId));
    assert.ok(stored.expiresAt.getTime() - Date.now() > 13 * 86_400_000, "a session's absolute lifetime");
  });
});

describe('what ends the logins a browser keeps', () => {
  it('RP-initiated logout ends every account of the browser (as ZITADEL terminates the user agent)', async () => {
    const alice = await orgWithUser(server, admin, {});
    const bob = await orgWithUser(server, admin, {});
    const { jar } = await browserWith(alice, bob);
    const logout = await openPage(jar, `${server.url}/oidc/v1/end_session`);
    await submitForm(logout, { logout: 'yes' });
    const flow = await startLogin(demoLogin(server, { jar }));
    assert.match(flow.page!.html, /name="loginName"/, 'no chooser: the login-name page');
    const chooser = await startLogin(demoLogin(server, { jar, extraParams: { prompt: 'select_account' } }));
    assert.deepEqual(shownAccounts(chooser), []);
  });

  it("a manager's end-sessions, a password set by a manager and a lockout end that user's logins only", async () => {
    const alice = await orgWithUser(server, admin, {});
    const bob = await orgWithUser(server, admin, { lockout: { maxPasswordAttempts: 1 } });
    const carol = await orgWithUser(server, admin, {});
    const dave = await orgWithUser(server, admin, {});
    const { jar } = await browserWith(alice, bob, carol, dave);
    const selectAccount = () => startLogin(demoLogin(server, { jar, extraParams: { prompt: 'select_account' } }));
    assert.equal(shownAccounts(await selectAccount()).length, 4);

    assert.equal((await call(server, admin, 'DELETE', `/users/${alice.userId}/sessions`)).status, 200);
    const password = await call(server, admin, 'PUT', `/users/${carol.userId}/password`, {
      password: 'N3w-Passw0rd!x',
    });
    assert.equal(password.status, 204);
    let wrong = await startLogin(demoLogin(server, { extraParams: { login_hint: bob.username } }));
    wrong = await submitForm(wrong, { loginName: bob.username });
    assert.equal((await submitForm(wrong, { password: 'not-the-password' })).page!.status, 403, 'bob is locked');
    assert.deepEqual(shownAccounts(await selectAccount()), [dave.username]);
  });
});

it('a chosen account that the request may not use is refused', async () => {
  const flow = await startLogin(demoLogin(server, { extraParams: { prompt: 'select_account' } }));
  assert.match(pageText(flow.page!.html), /Use another account/);
});
