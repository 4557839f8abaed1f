import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import * as samlify from 'samlify';
import { samlProtocol } from '../../src/domain/federation/saml.ts';
import { useFreshDatabase } from '../helpers/database.ts';
import { startSamlIdp, type SamlIdp } from '../helpers/saml-idp.ts';
import { ISSUER, alice, configureSaml, finishSaml, signOn, signOnWith, spMetadata } from '../helpers/saml-sp.ts';

let drop: () => Promise<void>;
let idp: SamlIdp;
before(async () => {
  drop = await useFreshDatabase();
  idp = await startSamlIdp();
});
after(async () => {
  await idp.close();
  await drop();
});

describe('the service provider metadata', () => {
  it('names the entity id, the ACS, the signing certificate, signed requests, wanted signed assertions and the NameID format; samlify reads it as SP metadata', async () => {
    const configuration = await configureSaml(idp);
    const xml = spMetadata(configuration);
    const entityId = `${ISSUER}/idps/${configuration.idp.id}/saml/metadata`;
    const sp = samlify.ServiceProvider({ metadata: xml });
    assert.equal(sp.entityMeta.getEntityID(), entityId);
    assert.equal(sp.entityMeta.getAssertionConsumerService('post'), configuration.callbackUrl);
    assert.equal(sp.entityMeta.isAuthnRequestSigned(), true);
    assert.equal(sp.entityMeta.isWantAssertionsSigned(), true);
    assert.equal(sp.entityMeta.getNameIDFormat(), 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    const certificate = configuration.idp.settings.spCertificate!.replace(/-----[A-Z ]+-----|\s/g, '');
    assert.equal(String(sp.entityMeta.getX509Certificate('signing')).replace(/\s/g, ''), certificate);
    assert.doesNotMatch(xml, /PRIVATE KEY/);
    assert.equal(samlProtocol.callbackPath('abc'), '/idps/abc/saml/acs');
  });

  it('says AuthnRequestsSigned="false" and carries no key when requests are not signed', async () => {
    const xml = spMetadata(await configureSaml(idp, { signRequests: false }));
    assert.match(xml, /AuthnRequestsSigned="false"/);
    assert.doesNotMatch(xml, /X509Certificate/);
  });
});

describe('a sign-on', () => {
  it('by HTTP-Redirect: a signed AuthnRequest the IdP verifies, RelayState echoed, the identity mapped', async () => {
    const configuration = await configureSaml(idp);
    idp.next = { user: alice };
    const { form, keep, request } = await signOn(configuration, 'the-state');
    assert.equal((request as { kind: string }).kind, 'redirect');
    assert.match((request as { url: string }).url, /[?&]Signature=/);
    assert.equal(idp.lastRequest?.binding, 'redirect');
    assert.equal(idp.lastRequest?.id, keep.requestId);
    assert.equal(idp.lastRequest?.acsUrl, configuration.callbackUrl);
    assert.equal(form.action, configuration.callbackUrl);
    assert.equal(form.fields.RelayState, 'the-state');
    const identity = await finishSaml(configuration, form, keep);
    assert.deepEqual(
      { ...identity, raw: undefined },
      {
        subject: 'alice-7f3a',
        email: 'alice@beta.example',
        emailVerified: true,
        givenName: 'Alice',
        familyName: 'Liddell',
        displayName: null,
        preferredUsername: 'alice',
        locale: 'de',
        amr: ['pwd'],
        raw: undefined,
      },
    );
    assert.equal(identity.raw.email, 'alice@beta.example');
  });

  it('by HTTP-POST: the request is posted undeflated with an enveloped signature the IdP verifies', async () => {
    const configuration = await configureSaml(idp, { binding: 'post' });
    idp.next = { user: alice };
    const { form, keep, request } = await signOn(configuration);
    const { kind, url, fields } = request as { kind: string; url: string; fields: Record<string, string> };
    assert.equal(kind, 'post');
    assert.equal(url, `${idp.url}/sso`);
    const xml = Buffer.from(fields.SAMLRequest!, 'base64').toString('utf8');
    assert.match(xml, /^(<\?xml[^>]*>)?<samlp:AuthnRequest[\s\S]*<(ds:)?Signature /);
    assert.equal(idp.lastRequest?.binding, 'post');
    assert.equal((await finishSaml(configuration, form, keep)).subject, 'alice-7f3a');
  });

  it('sends unsigned requests when signing is off (this IdP wants them signed, so it refuses)', async () => {
    const configuration = await configureSaml(idp, { signRequests: false });
    const { request } = await samlProtocol.begin({ ...configuration, state: 's' });
    assert.equal(request.kind, 'redirect');
    const url = new URL((request as { url: string }).url);
    assert.equal(url.searchParams.get('Signature'), null);
    assert.match(
      inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString(),
      /AuthnRequest/,
    );
    assert.equal((await fetch(url)).status, 400);
  });

  it("reads Azure AD's claim URIs and its MFA context as amr mfa", async () => {
    const configuration = await configureSaml(idp);
    const claims = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
    const identity = await signOnWith(idp, configuration, {
      user: {
        nameId: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
        authnContextClassRef: 'http://schemas.microsoft.com/claims/multipleauthn',
        attributes: {
          [`${claims}/emailaddress`]: 'bob@acme.example',
          [`${claims}/givenname`]: 'Bob',
          [`${claims}/surname`]: 'Builder',
          [`${claims}/name`]: 'bob@acme.example',
          'http://schemas.microsoft.com/identity/claims/displayname': 'Bob the Builder',
        },
      },
    });
    assert.deepEqual(
      { ...identity, raw: undefined },
      {
        subject: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
        email: 'bob@acme.example',
        emailVerified: true,
        givenName: 'Bob',
        familyName: 'Builder',
        displayName: 'Bob the Builder',
        preferredUsername: 'bob@acme.example',
        locale: null,
        amr: ['mfa'],
        raw: undefined,
      },
    );
  });

  it('follows a configured attribute mapping, and an emailAddress NameID is the email when no attribute gives one', async () => {
    const configuration = await configureSaml(idp, {
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      attributeMapping: { givenName: ['urn:oid:2.5.4.42'], preferredUsername: ['employeeNumber'] },
    });
    const identity = await signOnWith(idp, configuration, {
      user: {
        nameId: 'carol@gamma.example',
        nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        attributes: { 'urn:oid:2.5.4.42': 'Carol', firstName: 'Not Carol', employeeNumber: '4711' },
      },
    });
    assert.equal('email' in identity && identity.email, 'carol@gamma.example');
    assert.equal('givenName' in identity && identity.givenName, 'Carol');
    assert.equal('preferredUsername' in identity && identity.preferredUsername, '4711');
  });

  it('keys a transient NameID on the configured attribute (ZITADEL’s transientMappingAttributeName)', async () => {
    const transient = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';
    const configuration = await configureSaml(idp, { nameIdFormat: transient, transientMappingAttribute: 'username' });
    const user = { ...alice, nameId: '_one-time-4a1b', nameIdFormat: transient };
    const identity = await signOnWith(idp, configuration, { user });
    assert.equal('subject' in identity && identity.subject, 'alice');
    const without = await signOnWith(idp, configuration, {
      user: { ...user, attributes: { email: 'x@beta.example' } },
    });
    assert.equal('reason' in without && without.reason, 'unusable_subject');
  });

  it('accepts a Response signed as a whole (Keycloak’s default) instead of the assertion', async () => {
    const configuration = await configureSaml(idp);
    const identity = await signOnWith(idp, configuration, { signResponseOnly: true });
    assert.equal('subject' in identity && identity.subject, 'alice-7f3a');
  });

  it('accepts an assertion that expired less than the allowed clock skew ago', async () => {
    const configuration = await configureSaml(idp);
    const justExpired = new Date(Date.now() - 20_000).toISOString();
    const identity = await signOnWith(idp, configuration, {
      overrides: { SubjectConfirmationDataNotOnOrAfter: justExpired, ConditionsNotOnOrAfter: justExpired },
    });
    assert.equal('subject' in identity && identity.subject, 'alice-7f3a');
  });
});
