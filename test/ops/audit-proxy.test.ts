// Behind a TLS proxy (an https PUBLIC_URL), the audit trail takes the client's address from X-Forwarded-For; the
// token and revocation requests are sent here as the proxy would forward them (plain HTTP on loopback).
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

before(async () => {
  const port = String(await freeLoopbackPort());
  fixture = await startOidcFixture({ PORT: port, PUBLIC_URL: `https://localhost:${port}` });
  origin = `http://localhost:${port}`;
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

it('a revocation behind the proxy is recorded with the forwarded client address', async () => {
  const { instanceId, orgs } = fixture;
  const machine = await User.create({
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
  const issued = await tokenRequest('/oauth/v2/token', { grant_type: 'client_credentials' });
  assert.equal(issued.status, 200, await issued.clone().text());
  const { access_token: token } = (await issued.json()) as { access_token: string };
  const revoked = await tokenRequest('/oauth/v2/revoke', { token });
  assert.equal(revoked.status, 200, await revoked.text());

  const [event] = await Event.find({ instanceId, type: 'user.token.revoked', resourceId: machine._id }).lean();
  assert.ok(event);
  assert.equal(event.orgId, orgs.Beta);
  assert.deepEqual(event.payload, {
    tokenKind: 'ClientCredentials',
    ip: '203.0.113.7',
    userAgent: 'audit-test/1.0',
    clientId: 'proxied-bot',
  });
});
