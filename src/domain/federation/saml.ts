import { generateServiceProviderMetadata } from '@node-saml/node-saml';
import { markSamlAssertionUse } from '../../store/queries/saml-assertion-uses.ts';
import { invalidField } from '../errors.ts';
import { FederationError, type FederationProtocol, type IdpForProtocol } from './protocol.ts';
import { OneRequestCache, requestSigningKey, samlClient } from './saml-client.ts';
import { loadIdpMetadata, type IdpMetadata } from './saml-idp-metadata.ts';
import { identityFromAssertion } from './saml-identity.ts';
import { acceptResponse } from './saml-response.ts';
import { samlSettingsSchema, type SamlSettings } from './saml-settings.ts';
import { generateSigningCertificate } from './saml-sp-keys.ts';

export type { SamlSettings } from './saml-settings.ts';

/** ZITADEL's paths (internal/api/ui/login/external_provider_handler.go, idp/saml): one ACS and metadata per IdP. */
const callbackPath = (idpId: string): string => `/idps/${encodeURIComponent(idpId)}/saml/acs`;
const metadataPath = (idpId: string): string => `/idps/${encodeURIComponent(idpId)}/saml/metadata`;

/**
 * The service provider's entity id is the URL of its metadata (ZITADEL's choice, SAML metadata §4.1 "well-known
 * location"). begin/finish receive the ACS URL, built from the same issuer: the entity id is its sibling.
 */
function entityIdFromCallback(callbackUrl: string, idpId: string): string {
  const acs = callbackPath(idpId);
  if (!callbackUrl.endsWith(acs)) throw new Error(`a SAML callback URL ends with ${acs}`);
  return callbackUrl.slice(0, -acs.length) + metadataPath(idpId);
}

async function metadataFor(idp: IdpForProtocol<SamlSettings>): Promise<IdpMetadata> {
  return loadIdpMetadata(idp.settings);
}

export const samlProtocol: FederationProtocol<SamlSettings> = {
  type: 'saml',
  settingsSchema: samlSettingsSchema,
  secretFields: ['spPrivateKey'],
  generatedFields: ['spCertificate'],
  callbackPath,

  /** A key pair of its own for each configuration, unless the admin brought one (registered at the IdP already). */
  async initialize(settings) {
    if (settings.spCertificate && settings.spPrivateKey) return settings;
    if (settings.spPrivateKey) throw invalidField('settings.spCertificate', 'give spCertificate with spPrivateKey');
    const { certificatePem, privateKeyPem } = await generateSigningCertificate('Castellan SAML service provider');
    return { ...settings, spCertificate: certificatePem, spPrivateKey: privateKeyPem };
  },

  // The entity id comes from the ACS URL, as in begin and finish, so all three name the same entity.
  metadata({ idp, callbackUrl }) {
    const signing = requestSigningKey(idp.settings);
    return generateServiceProviderMetadata({
      issuer: entityIdFromCallback(callbackUrl, idp.id),
      callbackUrl,
      identifierFormat: idp.settings.nameIdFormat,
      wantAssertionsSigned: true,
      // Given both, node-saml publishes the certificate and sets AuthnRequestsSigned="true"; the key is not written.
      ...(signing ? { privateKey: signing.privateKey, publicCerts: signing.certificate } : {}),
      signatureAlgorithm: 'sha256',
    });
  },

  async begin({ idp, callbackUrl, state }) {
    const metadata = await metadataFor(idp);
    const location = metadata.singleSignOn[idp.settings.binding];
    if (!location)
      throw new FederationError(
        'bad_metadata',
        `The identity provider offers no ${idp.settings.binding === 'post' ? 'HTTP-POST' : 'HTTP-Redirect'} sign-on.`,
      );
    const cache = new OneRequestCache();
    const entityId = entityIdFromCallback(callbackUrl, idp.id);
    const client = samlClient({ settings: idp.settings, metadata, entityId, callbackUrl, cache });
    let request: { kind: 'redirect'; url: string } | { kind: 'post'; url: string; fields: Record<string, string> };
    if (idp.settings.binding === 'post') {
      const message = await client.getAuthorizeMessageAsync(state);
      request = { kind: 'post', url: location, fields: Object.fromEntries(Object.entries(message).map(stringEntry)) };
    } else {
      request = { kind: 'redirect', url: await client.getAuthorizeUrlAsync(state, undefined, {}) };
    }
    if (!cache.sent) throw new Error('node-saml generated no request id');
    return { request, keep: { requestId: cache.sent.id, requestIssuedAt: cache.sent.issuedAt } };
  },

  async finish({ idp, callbackUrl, params, keep }) {
    const samlResponse = params.get('SAMLResponse');
    if (!samlResponse) throw new FederationError('bad_response', 'The identity provider sent no SAML response.');
    if (!keep.requestId || !keep.requestIssuedAt) throw new Error('finish needs the request id that begin kept');
    const metadata = await metadataFor(idp);
    const cache = new OneRequestCache({ id: keep.requestId, issuedAt: keep.requestIssuedAt });
    const entityId = entityIdFromCallback(callbackUrl, idp.id);
    const client = samlClient({ settings: idp.settings, metadata, entityId, callbackUrl, cache });
    const accepted = await acceptResponse({ client, samlResponse, callbackUrl, idpEntityId: metadata.entityId });
    // Kept until the assertion would be refused as expired anyway, so the sweeper's lag never reopens a replay.
    const expiresAt = new Date(accepted.acceptableUntil.getTime() + idp.settings.clockSkewSeconds * 1000);
    if (!(await markSamlAssertionUse(idp.instanceId, idp.id, accepted.assertionId, expiresAt)))
      throw new FederationError('replayed', 'This SAML assertion was used already.');
    return identityFromAssertion(accepted.assertion, idp.settings);
  },
};

function stringEntry([name, value]: [string, unknown]): [string, string] {
  return [name, String(value)];
}
