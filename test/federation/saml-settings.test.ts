import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { samlProtocol } from '../../src/domain/federation/saml.ts';
import { parseIdpMetadata } from '../../src/domain/federation/saml-idp-metadata.ts';
import { samlSettingsSchema } from '../../src/domain/federation/saml-settings.ts';
import { generateSigningCertificate } from '../../src/domain/federation/saml-sp-keys.ts';
import { setOutboundPolicy } from '../../src/platform/outbound-fetch.ts';
import { useFreshDatabase } from '../helpers/database.ts';
import { startSamlIdp, type SamlIdp } from '../helpers/saml-idp.ts';
import { configureSaml, signOnWith } from '../helpers/saml-sp.ts';

let drop: () => Promise<void>;
let idp: SamlIdp;
/** A web server of its own (another origin than the IdP): `routes` say what each path answers. */
let other: { url: string; routes: Map<string, (response: http.ServerResponse) => void>; close(): Promise<void> };
before(async () => {
  // The IdP and the other origin listen on loopback (platform/outbound-fetch.ts refuses it by default).
  setOutboundPolicy({ allowPrivateAddresses: true, dnsServers: [] });
  drop = await useFreshDatabase();
  idp = await startSamlIdp();
  const routes = new Map<string, (response: http.ServerResponse) => void>();
  const server = http.createServer((request, response) => {
    const route = routes.get(request.url ?? '');
    if (route) route(response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  other = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    routes,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
});
after(async () => {
  await Promise.all([idp.close(), other.close()]);
  await drop();
});

/** The field a settings document is refused for, or null when it is accepted. */
function refusedField(settings: Record<string, unknown>): string | null {
  const result = samlSettingsSchema.safeParse(settings);
  return result.success ? null : [...new Set(result.error.issues.map((issue) => issue.path.join('.')))].join(',');
}

describe('the settings', () => {
  it('default to HTTP-Redirect, persistent NameIDs, signed requests, 60 s skew, signed assertions', () => {
    const settings = samlSettingsSchema.parse({ metadataXml: idp.metadataXml });
    assert.equal(settings.binding, 'redirect');
    assert.equal(settings.nameIdFormat, 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    assert.equal(settings.signRequests, true);
    assert.equal(settings.clockSkewSeconds, 60);
    assert.equal(settings.wantAssertionsSigned, true);
  });

  it('refuse, naming the field, what cannot be honoured', () => {
    const xml = idp.metadataXml;
    assert.equal(refusedField({ metadataXml: xml, wantAssertionsSigned: false }), 'wantAssertionsSigned');
    assert.equal(refusedField({ metadataXml: xml, clockSkewSeconds: 301 }), 'clockSkewSeconds');
    assert.equal(refusedField({ metadataXml: xml, clockSkewSeconds: -1 }), 'clockSkewSeconds');
    assert.equal(refusedField({ metadataXml: xml, binding: 'artifact' }), 'binding');
    assert.equal(
      refusedField({ metadataXml: xml, nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:x' }),
      'nameIdFormat',
    );
    assert.equal(
      refusedField({ metadataXml: xml, nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' }),
      'transientMappingAttribute',
    );
    assert.equal(refusedField({ metadataXml: xml, attributeMapping: { email: [] } }), 'attributeMapping.email');
    assert.equal(refusedField({ metadataXml: xml, attributeMapping: { roles: ['groups'] } }), 'attributeMapping');
    assert.equal(refusedField({ metadataXml: xml, wantAssertionSigned: true }), '');
    // Trusting the IdP's email is the configuration's mapping (trustEmailVerified), not a SAML setting.
    assert.equal(refusedField({ metadataXml: xml, emailVerified: true }), '');
    assert.equal(refusedField({}), 'metadataXml');
    assert.equal(refusedField({ metadataXml: xml, metadataUrl: `${idp.url}/metadata` }), 'metadataXml');
    assert.equal(refusedField({ metadataXml: '<html></html>' }), 'metadataXml');
    assert.equal(refusedField({ metadataUrl: 'http://idp.example/metadata' }), 'metadataUrl');
    assert.equal(refusedField({ metadataUrl: 'ftp://idp.example/metadata' }), 'metadataUrl');
    assert.equal(refusedField({ metadataUrl: 'https://idp.example/metadata' }), null);
    assert.equal(refusedField({ metadataUrl: `${idp.url}/metadata` }), null);
  });

  it('take a service provider key pair brought by the admin only whole and matching', async () => {
    const [first, second] = await Promise.all([generateSigningCertificate('a'), generateSigningCertificate('b')]);
    const base = { metadataXml: idp.metadataXml };
    assert.equal(refusedField({ ...base, spCertificate: first.certificatePem }), 'spPrivateKey');
    // The key alone is a stored configuration coming back for a change; a new one must bring its certificate.
    const keyOnly = samlSettingsSchema.parse({ ...base, spPrivateKey: first.privateKeyPem });
    await assert.rejects(samlProtocol.initialize!(keyOnly), { kind: 'invalid', message: /settings.spCertificate/ });
    const mismatched = { ...base, spCertificate: first.certificatePem, spPrivateKey: second.privateKeyPem };
    assert.equal(refusedField(mismatched), 'spPrivateKey');
    const brought = samlSettingsSchema.parse({
      ...base,
      spCertificate: first.certificatePem,
      spPrivateKey: first.privateKeyPem,
    });
    assert.deepEqual(await samlProtocol.initialize!(brought), brought);
    assert.deepEqual(samlProtocol.secretFields, ['spPrivateKey']);
  });

  it('that sign requests need the key pair: a configuration that skipped initialize fails loudly', async () => {
    const uninitialized = samlSettingsSchema.parse({ metadataXml: idp.metadataXml });
    const idpConfiguration = { id: 'i', instanceId: 'x', settings: uninitialized };
    const callbackUrl = `https://castellan.test${samlProtocol.callbackPath('i')}`;
    await assert.rejects(samlProtocol.begin({ idp: idpConfiguration, callbackUrl, state: 's' }), /initialize/);
    assert.throws(() =>
      samlProtocol.metadata!({ idp: idpConfiguration, callbackUrl, issuer: 'https://castellan.test' }),
    );
  });

  it('get a new RSA key and a ten-year self-signed certificate from initialize', async () => {
    const settings = await samlProtocol.initialize!(samlSettingsSchema.parse({ metadataXml: idp.metadataXml }));
    const certificate = new X509Certificate(settings.spCertificate!);
    assert.ok(certificate.verify(certificate.publicKey));
    assert.equal(certificate.publicKey.asymmetricKeyType, 'rsa');
    const years = (Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / (365.25 * 86_400_000);
    assert.ok(Math.abs(years - 10) < 0.01);
    const format = { type: 'spki', format: 'der' } as const;
    assert.ok(certificate.publicKey.export(format).equals(createPublicKey(settings.spPrivateKey!).export(format)));
    const again = await samlProtocol.initialize!(samlSettingsSchema.parse({ metadataXml: idp.metadataXml }));
    assert.notEqual(again.spCertificate, settings.spCertificate);
  });
});

describe('the IdP metadata', () => {
  it('by URL is fetched when first used and then served from the cache', async () => {
    const configuration = await configureSaml(idp, { metadataXml: undefined, metadataUrl: `${idp.url}/metadata` });
    const before = idp.metadataFetches;
    assert.equal('subject' in (await signOnWith(idp, configuration)), true);
    assert.equal('subject' in (await signOnWith(idp, configuration)), true);
    assert.equal(idp.metadataFetches - before, 1);
  });

  it('follows a redirect on the same origin, and refuses one to another origin (unreachable)', async () => {
    other.routes.set('/moved', (response) => response.writeHead(302, { location: '/metadata' }).end());
    other.routes.set('/metadata', (response) => response.end(idp.metadataXml));
    other.routes.set('/elsewhere', (response) => response.writeHead(302, { location: `${idp.url}/metadata` }).end());
    const moved = await configureSaml(idp, { metadataXml: undefined, metadataUrl: `${other.url}/moved` });
    assert.equal('subject' in (await signOnWith(idp, moved)), true);
    const elsewhere = await configureSaml(idp, { metadataXml: undefined, metadataUrl: `${other.url}/elsewhere` });
    await assert.rejects(samlProtocol.begin({ ...elsewhere, state: 's' }), {
      reason: 'unreachable',
      message: /another origin/,
    });
  });

  it('from a server that is down or does not answer is a readable error within the timeout (unreachable)', async () => {
    const down = await configureSaml(idp, { metadataXml: undefined, metadataUrl: 'http://127.0.0.1:9/metadata' });
    await assert.rejects(samlProtocol.begin({ ...down, state: 's' }), { reason: 'unreachable' });
    other.routes.set('/hangs', () => {});
    const hangs = await configureSaml(idp, { metadataXml: undefined, metadataUrl: `${other.url}/hangs` });
    const started = Date.now();
    await assert.rejects(samlProtocol.begin({ ...hangs, state: 's' }), { reason: 'unreachable' });
    assert.ok(Date.now() - started < 10_000);
  });

  it('must describe exactly one IdP with a signing certificate and a sign-on URL of the configured binding', async () => {
    await assert.rejects(parseIdpMetadata('<EntityDescriptor'), { reason: 'bad_metadata' });
    await assert.rejects(parseIdpMetadata(`<!DOCTYPE x>${idp.metadataXml}`), { reason: 'bad_metadata' });
    const noIdp = idp.metadataXml.replace(/IDPSSODescriptor/g, 'SPSSODescriptor');
    await assert.rejects(parseIdpMetadata(noIdp), { reason: 'bad_metadata', message: /exactly one/ });
    const noKey = idp.metadataXml.replace(/<(\w+:)?KeyDescriptor[\s\S]*<\/(\w+:)?KeyDescriptor>/, '');
    await assert.rejects(parseIdpMetadata(noKey), { reason: 'bad_metadata', message: /signing certificate/ });
    const aggregate = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${idp.metadataXml.replace(
      /^<\?xml[^>]*>/,
      '',
    )}</md:EntitiesDescriptor>`;
    assert.equal((await parseIdpMetadata(aggregate)).entityId, idp.entityId);
    const redirectOnly = idp.metadataXml.replace(
      /<SingleSignOnService[^>]*HTTP-POST[^>]*>(<\/SingleSignOnService>)?/,
      '',
    );
    const configuration = await configureSaml(idp, { metadataXml: redirectOnly, binding: 'post' });
    await assert.rejects(samlProtocol.begin({ ...configuration, state: 's' }), { reason: 'bad_metadata' });
  });
});
