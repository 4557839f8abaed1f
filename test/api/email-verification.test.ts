import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { parseEmailLink } from '../../src/domain/rules/email-links.ts';
import { acceptInvitation } from '../../src/domain/commands/user-invitation.ts';
import { Instance, User } from '../../src/store/models/index.ts';
import type { UserDocument } from '../../src/store/models/user.ts';
import { startOidcFixture, demoRp, type OidcFixture } from '../helpers/oidc.ts';
import { linkIn, startTestSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.ts';
import { bootstrapToken, call } from './helpers.ts';

// Email verification through the API (issue 16): a manager-created user gets a code by email (in its locale, branded
// with its org's login branding, linked from the issuer), the code verifies the address, a changed address is pending
// until verified while the old one stays in use, and `email_verified` in the ID token says the truth at every step.

let fixture: OidcFixture;
let admin: string;
let smtp: TestSmtp;
const rp = demoRp(() => fixture);

before(async () => {
  smtp = await startTestSmtp();
  fixture = await startOidcFixture({ EMAIL_OUTBOX_POLL_MS: '50' });
  admin = await bootstrapToken(fixture.server);
  const smtpSettings = { host: '127.0.0.1', port: smtp.port, tls: 'none', senderAddress: 'login@castellan.test' };
  assert.equal((await call(fixture.server, admin, 'PUT', '/instance/smtp', smtpSettings)).status, 200);
  const branding = { branding: { displayName: 'ACME Sign-in', primaryColor: '#123456' } };
  assert.equal(
    (await call(fixture.server, admin, 'PUT', `/orgs/${fixture.orgs.ACME}/login-policy`, branding)).status,
    200,
  );
});
after(async () => {
  await fixture.server.stop();
  await smtp.stop();
});

let serial = 0;
async function createAcmeUser(extra: Record<string, unknown> = {}) {
  serial += 1;
  const username = `verify-${serial}`;
  const email = `verify-${serial}@mail.test`;
  const created = await call(fixture.server, admin, 'POST', `/orgs/${fixture.orgs.ACME}/users/human`, {
    username,
    email,
    givenName: 'Vera',
    familyName: 'Fication',
    password: DEMO_PASSWORD,
    ...extra,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { id: created.body.id as string, username, email, loginName: created.body.loginName as string };
}

/** The code of the newest verification email to `to`. */
async function codeSentTo(to: string, count = 1): Promise<{ mail: ReceivedMail; code: string }> {
  const mail = (await smtp.waitFor(to, count))[count - 1]!;
  const link = parseEmailLink(fixture.baseUrl, linkIn(mail, `${fixture.baseUrl}/ui/login/`));
  assert.ok(link);
  return { mail, code: link.code };
}

async function emailClaims(loginName: string) {
  const claims = (await rp.demoLogin(loginName, 'openid email')).claims()!;
  return { email: claims.email, email_verified: claims.email_verified };
}

test('a new user gets a branded verification email with a code and an issuer link; the code verifies it', async () => {
  const user = await createAcmeUser();
  const { mail, code } = await codeSentTo(user.email);
  assert.match(mail.parsed.subject ?? '', /^ACME Sign-in: verify your email address$/);
  assert.ok(String(mail.parsed.html).includes('#123456'));
  assert.ok((mail.parsed.text ?? '').includes(code));
  const link = linkIn(mail, fixture.baseUrl);
  assert.ok(link.startsWith(`${fixture.baseUrl}/ui/login/email/verify?userId=${user.id}&code=`));
  assert.deepEqual(await emailClaims(user.loginName), { email: user.email, email_verified: false });

  const verified = await call(fixture.server, admin, 'POST', `/users/${user.id}/email/verify`, { code });
  assert.equal(verified.status, 200);
  assert.deepEqual(verified.body, { email: user.email, emailVerified: true });
  assert.deepEqual(await emailClaims(user.loginName), { email: user.email, email_verified: true });
  assert.equal((await call(fixture.server, admin, 'POST', `/users/${user.id}/email/resend`)).status, 409);
});

test("the message is in the user's locale (de-CH → German); a locale without templates falls back to English", async () => {
  const german = await createAcmeUser({ locale: 'de-CH' });
  assert.match((await codeSentTo(german.email)).mail.parsed.subject ?? '', /Bestätigen Sie Ihre E-Mail-Adresse/);
  const french = await createAcmeUser({ locale: 'fr' });
  assert.match((await codeSentTo(french.email)).mail.parsed.subject ?? '', /verify your email address/);
});

test('an address the manager marks verified gets no email and is verified in the token at once', async () => {
  const user = await createAcmeUser({ emailVerified: true });
  assert.deepEqual(await emailClaims(user.loginName), { email: user.email, email_verified: true });
  const changed = await call(fixture.server, admin, 'PATCH', `/users/${user.id}`, {
    email: 'vouched@mail.test',
    emailVerified: true,
  });
  assert.equal(changed.status, 200);
  assert.deepEqual(await emailClaims(user.loginName), { email: 'vouched@mail.test', email_verified: true });
  assert.equal(smtp.to(user.email).length + smtp.to('vouched@mail.test').length, 0);
});

test('a changed address is pending until verified; the old one stays in use, in tokens and as a login name', async () => {
  const user = await createAcmeUser({ emailVerified: true });
  const next = `next-${user.email}`;
  const changed = await call(fixture.server, admin, 'PATCH', `/users/${user.id}`, { email: next });
  assert.equal(changed.status, 200);
  const human = changed.body.human as Record<string, unknown>;
  assert.deepEqual([human.email, human.emailVerified, human.pendingEmail], [user.email, true, next]);
  assert.deepEqual(await emailClaims(user.email), { email: user.email, email_verified: true });

  const { code } = await codeSentTo(next);
  assert.equal((await call(fixture.server, admin, 'POST', `/users/${user.id}/email/verify`, { code })).status, 200);
  assert.deepEqual(await emailClaims(next), { email: next, email_verified: true });
  const stored = await User.findById(user.id).lean();
  assert.equal(stored?.human?.pendingEmail, undefined);
});

test('an invited user sets a password from the link, which verifies the address too, and logs in', async () => {
  const user = await createAcmeUser({ password: undefined, sendInvitation: true });
  const [mail] = await smtp.waitFor(user.email);
  assert.match(mail!.parsed.subject ?? '', /^ACME Sign-in: you are invited$/);
  const link = parseEmailLink(fixture.baseUrl, linkIn(mail!, fixture.baseUrl));
  assert.deepEqual([link?.purpose, link?.userId], ['invitation', user.id]);
  assert.ok((mail!.parsed.text ?? '').includes(user.loginName));

  const instance = (await Instance.findById(fixture.instanceId).lean())!;
  const flow = { services: fixture.server.services, instance };
  const stored = (await User.findById(user.id).lean<UserDocument>())!;
  await acceptInvitation(flow, { instanceId: fixture.instanceId, actorId: user.id }, stored, link!.code, DEMO_PASSWORD);
  assert.deepEqual(await emailClaims(user.loginName), { email: user.email, email_verified: true });
  assert.equal(smtp.to(user.email).length, 1, 'the invitation only: no separate verification email');
  assert.equal((await call(fixture.server, admin, 'POST', `/users/${user.id}/invite`)).status, 409);
  const withPassword = await call(fixture.server, admin, 'POST', `/orgs/${fixture.orgs.ACME}/users/human`, {
    username: 'invited-with-password',
    email: 'invited@mail.test',
    givenName: 'In',
    familyName: 'Vited',
    password: DEMO_PASSWORD,
    sendInvitation: true,
  });
  assert.equal(withPassword.status, 400);
});
