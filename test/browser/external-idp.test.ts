// Chromium logs in through an upstream OpenID provider and through a SAML 2.0 IdP (issue 17): the IdP button on
// Castellan's login page, the upstream's own page, and back to the relying party with a user created just in time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { User } from '../../src/store/models/index.ts';
import { bootstrapToken, call } from '../api/helpers.ts';
import { assertAccessibleBasics, chromiumMissing, launchChromium } from '../helpers/browser.ts';
import { CALLBACK_PATH, UPSTREAM_CLIENT, addOidcIdp, offerIdps } from '../helpers/external-login.ts';
import { startSamlIdp, type SamlIdp } from '../helpers/saml-idp.ts';
import { alice } from '../helpers/saml-sp.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { startUpstreamOidc, type UpstreamOidc } from '../helpers/upstream-oidc.ts';

const skip = chromiumMissing;

let server: TestServer;
let upstream: UpstreamOidc;
let samlIdp: SamlIdp;
let browser: Browser;

before(async () => {
  if (skip) return;
  // The upstream listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  upstream = await startUpstreamOidc(
    [
      {
        client_id: UPSTREAM_CLIENT.clientId,
        client_secret: UPSTREAM_CLIENT.clientSecret,
        redirect_uris: [`${server.url}${CALLBACK_PATH}`],
      },
    ],
    [{ sub: 'dora', email: 'dora@upstream.test', email_verified: true, given_name: 'Dora', family_name: 'Browser' }],
  );
  const admin = await bootstrapToken(server);
  const idp = await addOidcIdp(server, admin, null, upstream.issuer, { name: 'Corporate SSO' });
  samlIdp = await startSamlIdp();
  const saml = await call(server, admin, 'POST', '/idps', {
    name: 'Partner SAML',
    type: 'saml',
    settings: { metadataXml: samlIdp.metadataXml },
    options: { isAutoCreation: true },
  });
  assert.equal(saml.status, 201, JSON.stringify(saml.body));
  samlIdp.trust(await (await fetch(`${server.url}/idps/${saml.body.id}/saml/metadata`)).text());
  await offerIdps(server, admin, null, [idp, saml.body.id as string]);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await upstream?.stop();
  await samlIdp?.close();
  await server?.stop();
});

describe('a login through an upstream OpenID provider in a real browser', { skip }, () => {
  it('goes from the IdP button to the upstream and back, and the new user is signed in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/demo/login`);
      await page.waitForURL(/\/ui\/login\//);
      await assertAccessibleBasics(page);
      await page.getByRole('link', { name: 'Sign in with Corporate SSO' }).click();
      await page.getByLabel('Username').fill('dora');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/demo\/callback/);
      const idToken = JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Record<string, unknown>;
      assert.deepEqual(idToken.amr, ['fed']);
      const user = await User.findById(idToken.sub).lean();
      assert.equal(user?.human?.email, 'dora@upstream.test');
    } finally {
      await context.close();
    }
  });

  it('goes from the SAML IdP button to the IdP, whose answer page posts back, and the new user is signed in', async () => {
    samlIdp.next = {
      user: { nameId: 'sally-1', attributes: { ...alice.attributes, username: 'sally', email: 'sally@partner.test' } },
    };
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/demo/login`);
      await page.waitForURL(/\/ui\/login\//);
      await page.getByRole('link', { name: 'Sign in with Partner SAML' }).click();
      await page.waitForURL(/\/demo\/callback/);
      const idToken = JSON.parse((await page.locator('#id-token').textContent()) ?? '{}') as Record<string, unknown>;
      assert.ok((idToken.amr as string[]).includes('fed'));
      const user = await User.findById(idToken.sub).lean();
      assert.equal(user?.human?.email, 'sally@partner.test');
    } finally {
      await context.close();
    }
  });
});
