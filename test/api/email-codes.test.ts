import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { resetPasswordWithCode, type EmailFlow } from '../../src/domain/commands/user-email.ts';
import { parseEmailLink } from '../../src/domain/rules/email-links.ts';
import { verifyPassword } from '../../src/platform/passwords.ts';
import { Instance, User, VerificationCode } from '../../src/store/models/index.ts';
import type { UserDocument } from '../../src/store/models/user.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';
import { bootstrapToken, call } from './helpers.ts';

// One-time codes (domain/codes.ts): a code is refused, with no change to the user, when it is wrong, another user's,
// for another purpose, superseded by a newer one, already used, expired, or sent to an address the user no longer
// has; too many wrong codes are throttled (429), the right one included. Password reset links come from the issuer.

const PASSWORD = 'Initial-Passw0rd!';
let server: TestServer;
let admin: string;
let smtp: TestSmtp;
let orgId: string;
let flow: EmailFlow;

before(async () => {
  smtp = await startTestSmtp();
  server = await startTestServer({ CASTELLAN_DEMO: 'false', EMAIL_OUTBOX_POLL_MS: '50' });
  admin = await bootstrapToken(server);
  const instance = (await Instance.findById(server.bootstrap.instanceId).lean())!;
  orgId = instance.defaultOrgId;
  flow = { services: server.services, instance };
  const settings = { host: '127.0.0.1', port: smtp.port, tls: 'none', senderAddress: 'login@castellan.test' };
  assert.equal((await call(server, admin, 'PUT', '/instance/smtp', settings)).status, 200);
});
after(async () => {
  await server.stop();
  await smtp.stop();
});

let serial = 0;
async function createUser(): Promise<{ id: string; email: string }> {
  serial += 1;
  const email = `codes-${serial}@mail.test`;
  const created = await call(server, admin, 'POST', `/orgs/${orgId}/users/human`, {
    username: `codes-${serial}`,
    email,
    givenName: 'Code',
    familyName: 'User',
    password: PASSWORD,
  });
  assert.equal(created.status, 201);
  return { id: created.body.id as string, email };
}

/** The code in the `nth` email to `to` (1-based). */
async function codeIn(to: string, nth = 1): Promise<string> {
  const mail = (await smtp.waitFor(to, nth))[nth - 1]!;
  return parseEmailLink(server.url, linkIn(mail, `${server.url}/ui/login/`))!.code;
}

const stateOf = async (id: string) => {
  const user = await User.findById(id).lean<UserDocument>();
  const { email, emailVerified, pendingEmail, passwordHash } = user!.human!;
  return { email, emailVerified, pendingEmail, passwordHash };
};

async function refusedVerify(userId: string, code: string): Promise<void> {
  const before = await stateOf(userId);
  const refused = await call(server, admin, 'POST', `/users/${userId}/email/verify`, { code });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.match(String(refused.body.detail), /^code: the code is wrong, expired or used$/);
  assert.deepEqual(await stateOf(userId), before);
}

test("another user's code, a code for another purpose, and a superseded code are refused without any change", async () => {
  const alice = await createUser();
  const bob = await createUser();
  const bobsCode = await codeIn(bob.email);
  await refusedVerify(alice.id, bobsCode);

  assert.equal((await call(server, admin, 'POST', `/users/${alice.id}/password/reset`)).status, 204);
  const resetCode = await codeIn(alice.email, 2);
  await refusedVerify(alice.id, resetCode);

  const first = await codeIn(alice.email, 1);
  assert.equal((await call(server, admin, 'POST', `/users/${alice.id}/email/resend`)).status, 204);
  const second = await codeIn(alice.email, 3);
  assert.notEqual(first, second);
  await refusedVerify(alice.id, first);
  const verified = await call(server, admin, 'POST', `/users/${alice.id}/email/verify`, { code: second.toLowerCase() });
  assert.equal(verified.status, 200);
  assert.equal((await call(server, admin, 'POST', `/users/${bob.id}/email/verify`, { code: bobsCode })).status, 200);
});

test('an expired code, and a code sent to a pending address since replaced, are refused without any change', async () => {
  const user = await createUser();
  const code = await codeIn(user.email);
  await VerificationCode.updateMany({ userId: user.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  await refusedVerify(user.id, code);

  await call(server, admin, 'PATCH', `/users/${user.id}`, { email: `first-${user.email}` });
  const toFirst = await codeIn(`first-${user.email}`);
  await call(server, admin, 'PATCH', `/users/${user.id}`, { email: `second-${user.email}` });
  await refusedVerify(user.id, toFirst);
  const toSecond = await codeIn(`second-${user.email}`);
  assert.equal((await call(server, admin, 'POST', `/users/${user.id}/email/verify`, { code: toSecond })).status, 200);
  assert.equal((await stateOf(user.id)).email, `second-${user.email}`);
});

test('a password reset link from the issuer sets a new password once; used again, or by another user, it is refused', async () => {
  const user = await createUser();
  const other = await createUser();
  assert.equal((await call(server, admin, 'POST', `/users/${user.id}/password/reset`)).status, 204);
  const mail = (await smtp.waitFor(user.email, 2))[1]!;
  assert.match(mail.parsed.subject ?? '', /reset your password/);
  const link = parseEmailLink(server.url, linkIn(mail, server.url));
  assert.deepEqual([link?.purpose, link?.userId], ['passwordReset', user.id]);
  const target = (await User.findById(user.id).lean<UserDocument>())!;
  const otherUser = (await User.findById(other.id).lean<UserDocument>())!;
  const actor = { instanceId: server.bootstrap.instanceId, actorId: user.id };
  const refused = (promise: Promise<unknown>) => assert.rejects(promise, /the code is wrong, expired or used/);

  await refused(resetPasswordWithCode(flow, actor, otherUser, link!.code, 'Other-Passw0rd!'));
  assert.ok(await verifyPassword((await stateOf(user.id)).passwordHash!, PASSWORD));
  await resetPasswordWithCode(flow, actor, target, link!.code, 'Renewed-Passw0rd!');
  assert.ok(await verifyPassword((await stateOf(user.id)).passwordHash!, 'Renewed-Passw0rd!'));
  await refused(resetPasswordWithCode(flow, actor, target, link!.code, 'Third-Passw0rd!'));
  assert.ok(await verifyPassword((await stateOf(user.id)).passwordHash!, 'Renewed-Passw0rd!'));
  assert.ok(await verifyPassword((await stateOf(other.id)).passwordHash!, PASSWORD));
});

test('after five wrong codes a user is throttled (429 with Retry-After), even for the right code', async () => {
  const user = await createUser();
  const code = await codeIn(user.email);
  for (let i = 0; i < 5; i++) await refusedVerify(user.id, 'WRONGONE');
  const throttled = await fetch(`${server.url}/api/v1/users/${user.id}/email/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers.get('retry-after'), '900');
  assert.equal((await stateOf(user.id)).emailVerified, false);
  assert.equal((await call(server, admin, 'DELETE', `/users/${user.id}`)).status, 204);
  assert.equal(await VerificationCode.countDocuments({ userId: user.id }), 0, 'a removed user leaves no codes');
});

test('one code used by ten parallel requests verifies at most once: the others refused or throttled', async () => {
  const user = await createUser();
  const code = await codeIn(user.email);
  const answers = await Promise.all(
    Array.from({ length: 10 }, () => call(server, admin, 'POST', `/users/${user.id}/email/verify`, { code })),
  );
  // At most one wins. Each use is counted before its check (insert, then count, as password attempts): when all ten
  // land before any is counted, each sees more than the throttle allows and none is checked (safe side, all 429).
  assert.ok(answers.filter((answer) => answer.status === 200).length <= 1, JSON.stringify(answers));
  // A request that arrives once the winner is done finds nothing left to verify: 409, also a refusal.
  assert.ok(
    answers.every((answer) => [200, 400, 409, 429].includes(answer.status)),
    JSON.stringify(answers),
  );
});
