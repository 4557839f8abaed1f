// node-saml's own XML helpers: the same parser (errors are fatal, no external entities) that reads the responses.
import { parseDomFromString, xpath } from '@node-saml/node-saml/lib/xml.js';
import { FederationError } from './protocol.ts';
import { outboundFetch } from '../../platform/outbound-fetch.ts';

/** What Castellan reads from an IdP's SAML metadata (SAML metadata §2.4.3 IDPSSODescriptor). */
export interface IdpMetadata {
  entityId: string;
  /** SingleSignOnService locations by binding. */
  singleSignOn: { redirect?: string; post?: string };
  /** The base64 DER of every certificate the IdP signs with: any of them may sign a response (key rollover). */
  signingCertificates: string[];
}

const BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

const METADATA_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
const element = (name: string, namespace = METADATA_NS): string =>
  `*[local-name()='${name}' and namespace-uri()='${namespace}']`;

function invalid(message: string): FederationError {
  return new FederationError('bad_metadata', `The identity provider's SAML metadata is unusable: ${message}.`);
}

export async function parseIdpMetadata(xml: string): Promise<IdpMetadata> {
  // As for responses (saml-response.ts): no DTD, so no entity expansion.
  if (/<!DOCTYPE/i.test(xml)) throw invalid('it has a document type declaration');
  let document: Document;
  try {
    document = await parseDomFromString(xml);
  } catch {
    throw invalid('it is not well-formed XML');
  }
  // An aggregate (EntitiesDescriptor) may list many entities: exactly one of them must be an IdP.
  const entities = xpath.selectElements(document, `//${element('EntityDescriptor')}[${element('IDPSSODescriptor')}]`);
  const [entity] = entities;
  if (!entity || entities.length > 1) throw invalid('it must describe exactly one identity provider');
  const entityId = entity.getAttribute('entityID');
  if (!entityId) throw invalid('the EntityDescriptor has no entityID');
  const [descriptor] = xpath.selectElements(entity, `./${element('IDPSSODescriptor')}`);
  const singleSignOn: IdpMetadata['singleSignOn'] = {};
  for (const service of xpath.selectElements(descriptor!, `./${element('SingleSignOnService')}`)) {
    const location = service.getAttribute('Location');
    const binding = service.getAttribute('Binding');
    if (!location) continue;
    if (binding === BINDINGS.redirect) singleSignOn.redirect ??= location;
    if (binding === BINDINGS.post) singleSignOn.post ??= location;
  }
  const signingCertificates = xpath
    .selectElements(
      descriptor!,
      `./${element('KeyDescriptor')}[not(@use) or @use='signing']//` +
        element('X509Certificate', 'http://www.w3.org/2000/09/xmldsig#'),
    )
    .map((certificate) => (certificate.textContent ?? '').replace(/\s+/g, ''))
    .filter(Boolean);
  if (signingCertificates.length === 0) throw invalid('it names no signing certificate');
  if (!singleSignOn.redirect && !singleSignOn.post) throw invalid('it names no HTTP-Redirect or HTTP-POST sign-on URL');
  return { entityId, singleSignOn, signingCertificates };
}

/** Metadata fetched by URL is used for an hour, then fetched again: an IdP announces a new key there before use. */
const FRESH_MS = 60 * 60 * 1000;
/** While the IdP's metadata URL fails, the last copy keeps serving logins for a day (its keys rarely change faster). */
const STALE_MS = 24 * 60 * 60 * 1000;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_BYTES = 1_000_000;
const MAX_REDIRECTS = 3;

const cached = new Map<string, { metadata: IdpMetadata; fetchedAt: number }>();
const inFlight = new Map<string, Promise<IdpMetadata>>();

/** Follows redirects on the URL's own origin only: an admin named this host, not whatever it points to. */
async function fetchMetadataXml(url: string): Promise<string> {
  const origin = new URL(url).origin;
  let location = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const response = await outboundFetch(location, {
      redirect: 'manual',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    const next = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && next) {
      location = new URL(next, location).toString();
      if (new URL(location).origin !== origin) throw new Error(`redirected to another origin (${location})`);
      continue;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    if (Number(response.headers.get('content-length') ?? 0) > MAX_BYTES) throw new Error('larger than 1 MB');
    const text = await response.text();
    if (text.length > MAX_BYTES) throw new Error('larger than 1 MB');
    return text;
  }
  throw new Error('too many redirects');
}

async function refresh(url: string): Promise<IdpMetadata> {
  let xml: string;
  try {
    xml = await fetchMetadataXml(url);
  } catch (error) {
    const stale = cached.get(url);
    if (stale && Date.now() - stale.fetchedAt < STALE_MS) return stale.metadata;
    throw new FederationError(
      'unreachable',
      `The identity provider's SAML metadata could not be fetched from ${url}: ${(error as Error).message}.`,
    );
  }
  const metadata = await parseIdpMetadata(xml);
  cached.set(url, { metadata, fetchedAt: Date.now() });
  return metadata;
}

/**
 * The IdP's metadata: parsed from the stored XML, or fetched from its URL when first used and then cached in this
 * process (fresh for an hour, stale for a day while the URL fails). One fetch at a time per URL.
 */
export async function loadIdpMetadata(settings: { metadataXml?: string; metadataUrl?: string }): Promise<IdpMetadata> {
  if (settings.metadataXml !== undefined) return parseIdpMetadata(settings.metadataXml);
  const url = settings.metadataUrl;
  if (!url) throw invalid('neither its XML nor its URL is configured');
  const hit = cached.get(url);
  if (hit && Date.now() - hit.fetchedAt < FRESH_MS) return hit.metadata;
  let pending = inFlight.get(url);
  if (!pending) {
    pending = refresh(url).finally(() => inFlight.delete(url));
    inFlight.set(url, pending);
  }
  return pending;
}
