// Behind a TLS proxy (an https PUBLIC_URL), the audit trail takes the client's address from X-Forwarded-For; the
// token and revocation requests are sent here as the proxy would forward them (plain HTTP on loopback). A peer that is
// not a trusted proxy (TRUSTED_PROXIES) cannot choose the address: its X-Forwarded-For is ignored.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { secretHash } from '../../src/platform/crypto.ts';
import { clientSecretHashKey } from '../../src/platform/derived-keys.ts';
import { Event, User } from '../../src/store/models/index.ts';
import { startOidcFixture, type OidcFixture } from '../helpers/oidc.ts';

const SECRET = 'proxied-bot-secret-0123456789abcdef';
let fixture: OidcFixture;
let origin: string;

/** A fixture behind an https PUBLIC_URL whose trusted proxies are `trustedProxies` (the default: loopback). */
async function proxiedFixture(trustedProxies?: string): Promise<{ fixture: OidcFixture; origin: string }> {
  const port = String(await freeLoopbackPort());
  const env = { PORT: port, PUBLIC_URL: `https://localhost:${port}` };
  const started = await startOidcFixture(trustedProxies ? { ...env, TRUSTED_PROXIES: trustedProxies } : env);
  return { fixture: started, origin: `http://localhost:${port}` };
}

before(async () => {
  ({ fixture, origin } = await proxiedFixture());
});
after(() => fixture.server.stop());

async function tokenRequest(path: string, form: Record<string, string>): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`proxied-bot:${SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'audit-test/1.0',
      'x-forwarded-for': '203.0.113.7, 10.0.0.2',
      'x-forwarded-proto': 'https',
    },
    body: new URLSearchParams(form),
  });
}

async function createProxiedBot(): Promise<{ _id: string }> {
  const { instanceId, orgs } = fixture;
  return User.create({
    instanceId,
    orgId: orgs.Beta,
    type: 'machine',
    username: 'proxied-bot',
    machine: {
      name: 'Proxied bot',
      accessTokenType: 'bearer',
      secretHash: secretHash(clientSecretHashKey(fixture.server.services.masterKey), SECRET),
    },
  });
}

async function revokedEventPayload(): Promise<unknown> {
  const { instanceId, orgs } = fixture;
  const machine = await createProxiedBot();
  const issued = await tokenRequest('/oauth/v2/token', { grant_type: 'client_credentials' });
  assert.equal(issued.status, 200, await issued.clone().text());
  const { access_token: token } = (await issued.json()) as { access_token: string };
  const revoked = await tokenRequest('/oauth/v2/revoke', { token });
  assert.equal(revoked.status, 200, await revoked.text());

  const [event] = await Event.find({ instanceId, type: 'user.token.revoked', resourceId: machine._id }).lean();
  assert.ok(event);
  assert.equal(event.orgId, orgs.Beta);
  return event.payload;
}

it('a revocation behind the proxy is recorded with the forwarded client address', async () => {
  assert.deepEqual(await revokedEventPayload(), {
    tokenKind: 'ClientCredentials',
    ip: '203.0.113.7',
    userAgent: 'audit-test/1.0',
    clientId: 'proxied-bot',
  });
});

it('a peer that is not a trusted proxy cannot choose the recorded address', async () => {
  await fixture.server.stop();
  ({ fixture, origin } = await proxiedFixture('192.0.2.10'));
  const payload = (await revokedEventPayload()) as { ip: string };
  assert.match(payload.ip, /^(::ffff:)?127\.0\.0\.1$/);
});
