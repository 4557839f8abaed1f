// Beta logs in through its SAML 2.0 IdP (issue 17): a real samlify IdP on loopback, the login's IdP button, the ACS.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import { bootstrapToken, call } from '../api/helpers.ts';
import { offerIdps } from '../helpers/external-login.ts';
import { redeemCode, startLogin, submitForm } from '../helpers/login.ts';
import { demoLogin } from '../helpers/mfa.ts';
import { startSamlIdp, type SamlIdp } from '../helpers/saml-idp.ts';
import { alice } from '../helpers/saml-sp.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let admin: string;
let idp: SamlIdp;
before(async () => {
  // The upstream listens on loopback.
  server = await startTestServer({ OUTBOUND_PRIVATE_ADDRESSES: 'true' });
  admin = await bootstrapToken(server);
  idp = await startSamlIdp();
});
after(async () => {
  await idp.close();
  await server.stop();
});

it('creates the user just in time through the SAML IdP, and a replayed response is refused', async () => {
  const orgs = (await call(server, admin, 'GET', '/orgs')).body.orgs as Array<{ id: string; name: string }>;
  const org = orgs.find((candidate) => candidate.name === 'Beta')!.id;
  const created = await call(server, admin, 'POST', `/orgs/${org}/idps`, {
    name: 'Beta Okta',
    type: 'saml',
    settings: { metadataXml: idp.metadataXml },
    options: { isAutoCreation: true, isAutoUpdate: true },
    mapping: { trustEmailVerified: true },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const idpId = created.body.id as string;
  const metadata = await fetch(`${server.url}/idps/${idpId}/saml/metadata`);
  assert.equal(metadata.status, 200);
  idp.trust(await metadata.text());
  await offerIdps(server, admin, org, [idpId], { allowUsernamePassword: false });
  idp.next = {
    user: { ...alice, attributes: { ...alice.attributes, username: 'saml-carol', email: 'carol@beta-saml.example' } },
  };
  let flow = await startLogin(demoLogin(server, { scope: `openid profile email urn:zitadel:iam:org:id:${org}` }));
  assert.match(flow.page?.url ?? '', /\/sso/, `not at the IdP: ${flow.page?.url} ${flow.page?.html.slice(0, 500)}`);
  const idpPage = flow.page!;
  flow = await submitForm(flow, {});
  const tokens = await redeemCode(flow);
  const claims = decodeJwt(tokens.id_token!);
  assert.equal(claims.email, 'carol@beta-saml.example');
  assert.equal(claims.email_verified, true);
  // The same response posted again: refused on a readable page.
  const replay = await submitForm({ ...flow, page: idpPage }, {}).catch((error: unknown) => error);
  assert.equal((replay as { page?: { status: number } }).page?.status, 400);

  // A change that switches to the metadata URL and the POST binding, sending no key pair (the stored one is kept).
  const changed = await call(server, admin, 'PUT', `/orgs/${org}/idps/${idpId}`, {
    name: 'Beta Okta',
    type: 'saml',
    settings: { metadataUrl: `${idp.url}/metadata`, binding: 'post' },
    options: { isAutoCreation: true, isAutoUpdate: true },
    mapping: { trustEmailVerified: true },
  });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  // Fails on idp-oidc as merged: changeIdentityProvider merges the stored settings, so metadataXml outlives the change.
  assert.equal((changed.body.settings as Record<string, unknown>).metadataXml, undefined);
});
