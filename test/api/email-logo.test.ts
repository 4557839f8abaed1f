// The logo in emails (issue 18): a message to a user of an org shows the org's effective logo (its own, else the
// instance's) as an <img> under the instance's issuer with the branding's name as alt text, in the branding's primary
// colour; the URL serves the image; the plain-text part is unchanged; without a logo, the name.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/domain/setup/demo.ts';
import { pngOf } from '../helpers/images.ts';
import { startMailingServer, stopMailingServer, type MailingServer } from '../helpers/mailing-server.ts';
import { call } from './helpers.ts';

let mailing: MailingServer;
let orgs: Record<string, string>;

before(async () => {
  mailing = await startMailingServer();
  const listed = await call(mailing.server, mailing.admin, 'GET', '/orgs?limit=100');
  orgs = Object.fromEntries((listed.body.orgs as Array<{ id: string; name: string }>).map((org) => [org.name, org.id]));
});
after(() => stopMailingServer(mailing));

const api = (method: string, path: string, body?: unknown) => call(mailing.server, mailing.admin, method, path, body);

let serial = 0;
/** Creates a user of the org with an unverified address, which is sent a verification code; returns that message. */
async function verificationMailOf(orgId: string) {
  serial += 1;
  const email = `logo-${serial}@mail.test`;
  const created = await api('POST', `/orgs/${orgId}/users/human`, {
    username: `logo-${serial}`,
    email,
    givenName: 'Lo',
    familyName: 'Go',
    password: DEMO_PASSWORD,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return (await mailing.smtp.waitFor(email))[0]!.parsed;
}

describe('the logo in emails', () => {
  it('shows the org’s logo under the issuer, in its primary colour; the URL serves it; the text part is as before', async () => {
    const png = pngOf(48, 16, [170, 51, 0]);
    const uploaded = await api('PUT', `/orgs/${orgs.ACME}/branding/logo`, { image: png.toString('base64') });
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
    const logoUrl = (uploaded.body.logo as { url: string }).url;
    const branding = { branding: { primaryColor: '#aa3300' } };
    assert.equal((await api('PUT', `/orgs/${orgs.ACME}/login-policy`, branding)).status, 200);

    const mail = await verificationMailOf(orgs.ACME!);
    const html = String(mail.html);
    assert.ok(logoUrl.startsWith(`${mailing.server.url}/assets/v1/branding/${orgs.ACME}/logo-`), 'under the issuer');
    assert.match(html, new RegExp(`<img src="${logoUrl}" alt="ACME"`));
    assert.match(html, /background:#aa3300;color:#ffffff/, 'the button in the org’s primary colour');
    assert.doesNotMatch(mail.text ?? '', /assets\/v1\/branding/, 'the plain-text part has no logo');
    assert.match(mail.text ?? '', /ACME/);

    const served = await fetch(logoUrl);
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), png);
  });

  it('an org without a logo of its own shows the instance’s; without any logo, the name', async () => {
    const before = String((await verificationMailOf(orgs.Beta!)).html);
    assert.doesNotMatch(before, /<img /);
    assert.match(before, />Beta<\/td>/);

    const uploaded = await api('PUT', '/instance/branding/logo', { image: pngOf(8, 8, [0, 0, 0]).toString('base64') });
    assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
    const instanceLogo = (uploaded.body.logo as { url: string }).url;
    const html = String((await verificationMailOf(orgs.Beta!)).html);
    assert.match(html, new RegExp(`<img src="${instanceLogo}" alt="Beta"`));
    assert.equal((await fetch(instanceLogo)).status, 200);
  });
});
