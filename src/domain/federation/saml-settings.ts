import { createPublicKey } from 'node:crypto';
import { z } from 'zod';

/**
 * SAML 2.0 core §8.3: the NameID formats an AuthnRequest may ask for, ZITADEL's four. A transient NameID changes at
 * every login, so the link is keyed on an attribute instead (ZITADEL's `transientMappingAttributeName`).
 */
export const NAME_ID_FORMATS = {
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
} as const;

/**
 * For each field of an ExternalIdentity, the attribute names tried in order, the first one present wins. The
 * defaults read Azure AD / Entra ID's claim URIs
 * (https://learn.microsoft.com/en-us/entra/identity-platform/reference-saml-tokens), the plain names Okta, Keycloak
 * and Google send by default, and the LDAP OIDs of the SAML V2.0 X.500/LDAP attribute profile (eduPerson, InCommon).
 */
export const DEFAULT_ATTRIBUTE_MAPPING = {
  email: [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    'email',
    'mail',
    'emailAddress',
    'urn:oid:0.9.2342.19200300.100.1.3',
  ],
  givenName: [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
    'firstName',
    'givenName',
    'given_name',
    'urn:oid:2.5.4.42',
  ],
  familyName: [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
    'lastName',
    'sn',
    'surname',
    'family_name',
    'urn:oid:2.5.4.4',
  ],
  displayName: [
    'http://schemas.microsoft.com/identity/claims/displayname',
    'displayName',
    'name',
    'urn:oid:2.16.840.1.113730.3.1.241',
  ],
  preferredUsername: [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    'username',
    'login',
    'uid',
    'urn:oid:0.9.2342.19200300.100.1.1',
  ],
  locale: ['locale', 'preferredLanguage', 'urn:oid:2.16.840.1.113730.3.1.39'],
};

export type AttributeField = keyof typeof DEFAULT_ATTRIBUTE_MAPPING;

const attributeNames = z.array(z.string().min(1).max(500)).min(1).max(10);

/** A field left out keeps its defaults; a field given replaces them (an IdP that sends `mail` for something else). */
const attributeMappingSchema = z
  .strictObject({
    email: attributeNames.optional(),
    givenName: attributeNames.optional(),
    familyName: attributeNames.optional(),
    displayName: attributeNames.optional(),
    preferredUsername: attributeNames.optional(),
    locale: attributeNames.optional(),
  })
  .default({});

/**
 * Metadata by URL is fetched over TLS; plain http only on loopback, where an IdP under test or on the same host runs:
 * the metadata carries the certificate every assertion is checked with.
 */
const metadataUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((value) => {
    const url = new URL(value);
    return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  }, 'must be an https URL (plain http only on loopback)');

function keyPairMatches(certificatePem: string, privateKeyPem: string): boolean {
  try {
    const format = { type: 'spki', format: 'der' } as const;
    return createPublicKey(certificatePem).export(format).equals(createPublicKey(privateKeyPem).export(format));
  } catch {
    return false;
  }
}

export const samlSettingsSchema = z
  .strictObject({
    /** The IdP's SAML metadata document (entity id, single sign-on URLs, signing certificates). */
    metadataXml: z.string().min(1).max(500_000).optional(),
    /** Where the IdP publishes it: fetched when used and cached (saml-idp-metadata.ts), so key rollover is followed. */
    metadataUrl: metadataUrlSchema.optional(),
    /** How the AuthnRequest travels (SAML bindings §3.4 HTTP-Redirect, §3.5 HTTP-POST); the answer is always POSTed. */
    binding: z.enum(['redirect', 'post']).default('redirect'),
    nameIdFormat: z.enum(Object.values(NAME_ID_FORMATS)).default(NAME_ID_FORMATS.persistent),
    /** With transient NameIDs: the attribute whose value identifies the user (the link's key). */
    transientMappingAttribute: z.string().min(1).max(500).optional(),
    attributeMapping: attributeMappingSchema,
    /** Whether the IdP's email is taken as verified (it vouches for its directory; ZITADEL's "is email verified"). */
    emailVerified: z.boolean().default(false),
    /** Sign AuthnRequests with the service provider's key (metadata AuthnRequestsSigned). */
    signRequests: z.boolean().default(true),
    /** Tolerance on NotBefore / NotOnOrAfter for clocks that drift apart (at most 5 minutes). */
    clockSkewSeconds: z.int().min(0).max(300).default(60),
    /** Kept as a field so an API caller sees it; an assertion not covered by the IdP's signature is never accepted. */
    wantAssertionsSigned: z.literal(true, 'assertions must be signed: this cannot be turned off').default(true),
    /** The service provider's signing certificate (PEM), generated by `initialize` unless brought with its key. */
    spCertificate: z.string().max(20_000).optional(),
    /** Its private key (PKCS#8 PEM): a secret field, encrypted at rest and never returned. */
    spPrivateKey: z.string().max(20_000).optional(),
  })
  .superRefine((settings, context) => {
    if ((settings.metadataXml === undefined) === (settings.metadataUrl === undefined))
      context.addIssue({
        code: 'custom',
        path: ['metadataXml'],
        message: 'give exactly one of metadataXml, metadataUrl',
      });
    if (settings.metadataXml !== undefined && !/<(\w+:)?EntityDescriptor[\s>]/.test(settings.metadataXml))
      context.addIssue({
        code: 'custom',
        path: ['metadataXml'],
        message: 'is not SAML metadata (no EntityDescriptor)',
      });
    if (settings.nameIdFormat === NAME_ID_FORMATS.transient && !settings.transientMappingAttribute)
      context.addIssue({
        code: 'custom',
        path: ['transientMappingAttribute'],
        message: 'is required with transient NameIDs: they change at every login',
      });
    // The key alone is how a stored configuration comes back for a change (secret fields are kept, saml.ts).
    if (settings.spCertificate !== undefined && settings.spPrivateKey === undefined)
      context.addIssue({ code: 'custom', path: ['spPrivateKey'], message: 'give spPrivateKey with spCertificate' });
    const { spCertificate, spPrivateKey } = settings;
    if (spCertificate && spPrivateKey && !keyPairMatches(spCertificate, spPrivateKey))
      context.addIssue({ code: 'custom', path: ['spPrivateKey'], message: 'does not match spCertificate' });
  });

export type SamlSettings = z.infer<typeof samlSettingsSchema>;

/** The attribute names to read for each field: the configured ones, else the defaults. */
export function attributeMapping(settings: SamlSettings): Record<AttributeField, string[]> {
  const fields = Object.keys(DEFAULT_ATTRIBUTE_MAPPING) as AttributeField[];
  return Object.fromEntries(
    fields.map((field) => [field, settings.attributeMapping[field] ?? DEFAULT_ATTRIBUTE_MAPPING[field]]),
  ) as Record<AttributeField, string[]>;
}
