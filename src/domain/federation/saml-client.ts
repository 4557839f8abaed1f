import { SAML, ValidateInResponseTo, type CacheProvider } from '@node-saml/node-saml';
import type { IdpMetadata } from './saml-idp-metadata.ts';
import type { SamlSettings } from './saml-settings.ts';

/** How long after its AuthnRequest a response is taken; the login's own state expires sooner in practice. */
export const REQUEST_LIFETIME_MS = 60 * 60 * 1000;

/**
 * node-saml keeps the ids of the requests it sent in a cache to check a response's InResponseTo against. Castellan
 * keeps the one id of this login in the login's state instead (`keep`), so each use gets a cache of that one entry:
 * `sent` collects what `begin` generates, `expected` answers for what `finish` was given.
 */
export class OneRequestCache implements CacheProvider {
  sent: { id: string; issuedAt: string } | null = null;
  readonly #expected: { id: string; issuedAt: string } | null;

  constructor(expected: { id: string; issuedAt: string } | null = null) {
    this.#expected = expected;
  }

  saveAsync(id: string, issuedAt: string): Promise<{ value: string; createdAt: number }> {
    this.sent = { id, issuedAt };
    return Promise.resolve({ value: issuedAt, createdAt: Date.parse(issuedAt) });
  }

  getAsync(id: string): Promise<string | null> {
    return Promise.resolve(this.#expected?.id === id ? this.#expected.issuedAt : null);
  }

  /** The login's state is single-use already; nothing to forget here. */
  removeAsync(): Promise<string | null> {
    return Promise.resolve(null);
  }
}

const PEM_LINE = /.{1,64}/g;

function certificatePem(body: string): string {
  return `-----BEGIN CERTIFICATE-----\n${(body.match(PEM_LINE) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The key requests are signed with, or null when the configuration does not sign them. Signing without a key would
 * silently send unsigned requests: a configuration that skipped `initialize` is a bug, not a setting.
 */
export function requestSigningKey(settings: SamlSettings): { privateKey: string; certificate: string } | null {
  if (!settings.signRequests) return null;
  if (!settings.spPrivateKey || !settings.spCertificate)
    throw new Error('a SAML configuration that signs requests needs the key pair samlProtocol.initialize generates');
  return { privateKey: settings.spPrivateKey, certificate: settings.spCertificate };
}

/** The SAML service provider `entityId` as one IdP configuration speaks to its IdP through node-saml. */
export function samlClient(input: {
  settings: SamlSettings;
  metadata: IdpMetadata;
  entityId: string;
  callbackUrl: string;
  cache: OneRequestCache;
}): SAML {
  const { settings, metadata } = input;
  const signing = requestSigningKey(settings);
  return new SAML({
    issuer: input.entityId,
    audience: input.entityId,
    callbackUrl: input.callbackUrl,
    entryPoint: metadata.singleSignOn[settings.binding],
    authnRequestBinding: settings.binding === 'post' ? 'HTTP-POST' : 'HTTP-Redirect',
    // SAML bindings §3.5.4: an HTTP-POST message is base64 of the XML itself; only HTTP-Redirect deflates (§3.4.4.1).
    skipRequestCompression: settings.binding === 'post',
    identifierFormat: settings.nameIdFormat,
    // The IdP decides how the user authenticates; the context class it reports becomes `amr` (saml-identity.ts).
    disableRequestedAuthnContext: true,
    // Only the certificates of the IdP's metadata, never a KeyInfo carried in the message.
    idpCert: metadata.signingCertificates.map(certificatePem),
    ...(signing ? { privateKey: signing.privateKey, publicCert: signing.certificate } : {}),
    signatureAlgorithm: 'sha256',
    digestAlgorithm: 'sha256',
    /*
     * The assertion must be covered by the IdP's signature: its own, or the Response's enveloping one (node-saml then
     * reads the assertion from the signed bytes only). `wantAssertionsSigned: false` is node-saml's name for
     * "either"; `true` would refuse the response-only signatures Keycloak sends by default.
     */
    wantAssertionsSigned: false,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: settings.clockSkewSeconds * 1000,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: REQUEST_LIFETIME_MS,
    cacheProvider: input.cache,
  });
}
