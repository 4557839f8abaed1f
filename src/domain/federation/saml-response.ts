import { SamlStatusError, type SAML } from '@node-saml/node-saml';
import { parseDomFromString, xpath } from '@node-saml/node-saml/lib/xml.js';
import { FederationError } from './protocol.ts';
import type { VerifiedAssertion } from './saml-identity.ts';

const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

const protocol = (name: string): string => `*[local-name()='${name}' and namespace-uri()='${PROTOCOL_NS}']`;
const assertion = (name: string): string => `*[local-name()='${name}' and namespace-uri()='${ASSERTION_NS}']`;

/** An accepted assertion: what it says, its id for the replay check, and until when it could be presented. */
export interface AcceptedAssertion {
  assertion: VerifiedAssertion;
  assertionId: string;
  acceptableUntil: Date;
}

/**
 * SAML messages carry no document type declaration (SAML core §1.3 defines them by schema only); one is refused
 * before parsing, so no entity expansion ("billion laughs") is ever attempted.
 */
async function parse(xml: string): Promise<Document> {
  if (/<!DOCTYPE/i.test(xml))
    throw new FederationError('bad_response', 'The identity provider sent a SAML response with a DTD.');
  try {
    return await parseDomFromString(xml);
  } catch {
    throw new FederationError('bad_response', 'The identity provider sent a SAML response that is not valid XML.');
  }
}

function text(node: Node | undefined): string | null {
  return node?.textContent?.trim() || null;
}

/**
 * What may be read before the signature is checked, because it can only make the login fail: the status (a denial
 * needs no signature to be believed, SAML core §3.2.2.2), and, when present, the Destination (SAML bindings
 * §3.5.5.2) and the Issuer (SAML core §3.2.2), which must name this ACS and this IdP.
 */
export async function checkEnvelope(xml: string, expected: { callbackUrl: string; idpEntityId: string }) {
  const document = await parse(xml);
  const [response] = xpath.selectElements(document, `/${protocol('Response')}`);
  if (!response) throw new FederationError('bad_response', 'The identity provider sent no SAML Response.');
  const [statusCode] = xpath.selectElements(response, `./${protocol('Status')}/${protocol('StatusCode')}`);
  const status = statusCode?.getAttribute('Value');
  if (status !== SUCCESS) {
    const [detail] = xpath.selectElements(response, `./${protocol('Status')}/${protocol('StatusMessage')}`);
    const [second] = xpath.selectElements(statusCode ?? response, `./${protocol('StatusCode')}`);
    const why = text(detail) ?? second?.getAttribute('Value')?.split(':').pop() ?? status?.split(':').pop();
    throw new FederationError('denied', `The identity provider refused the sign-in (${why ?? 'no status'}).`);
  }
  const destination = response.getAttribute('Destination');
  if (destination && destination !== expected.callbackUrl)
    throw new FederationError('wrong_destination', 'The SAML response was addressed to another service provider.');
  const [issuer] = xpath.selectElements(response, `./${assertion('Issuer')}`);
  if (issuer && text(issuer) !== expected.idpEntityId)
    throw new FederationError('wrong_issuer', 'The SAML response comes from another identity provider.');
}

/** node-saml's errors are plain Errors: their messages (lib/saml.js, lib/xml.js in 5.1) name what failed. */
const NODE_SAML_FAILURES: [RegExp, string, string][] = [
  [/InResponseTo/i, 'wrong_request', 'The SAML response answers another sign-in request.'],
  [/audience|AudienceRestriction/i, 'wrong_audience', 'The SAML assertion is meant for another service provider.'],
  [/expired|not yet valid|subject confirmation/i, 'expired', 'The SAML assertion has expired or is not valid yet.'],
  [/signature|signed|assertion|reference|ID cannot/i, 'bad_signature', 'The SAML response is not signed correctly.'],
];

export function federationErrorOf(error: unknown): FederationError {
  if (error instanceof FederationError) return error;
  if (error instanceof SamlStatusError)
    return new FederationError('denied', 'The identity provider refused the sign-in.');
  const message = error instanceof Error ? error.message : String(error);
  const match = NODE_SAML_FAILURES.find(([pattern]) => pattern.test(message));
  return match
    ? new FederationError(match[1], match[2])
    : new FederationError('bad_response', 'The identity provider sent a SAML response that cannot be used.');
}

function latest(dates: (string | null)[]): Date | null {
  const times = dates.filter((date): date is string => !!date).map((date) => Date.parse(date));
  return times.length && times.every(Number.isFinite) ? new Date(Math.max(...times)) : null;
}

/**
 * What node-saml leaves to the service provider, read from the signed assertion it returns: the assertion's Issuer is
 * the IdP (SAML profiles §4.1.4.2), a bearer confirmation names this ACS as Recipient with a NotOnOrAfter (§4.1.4.2),
 * and when it stops being acceptable (for the replay marker).
 */
async function readSignedAssertion(xml: string, expected: { callbackUrl: string; idpEntityId: string }) {
  const document = await parse(xml);
  const [root] = xpath.selectElements(document, `/${assertion('Assertion')}`);
  const assertionId = root?.getAttribute('ID');
  if (!root || !assertionId) throw new FederationError('bad_response', 'The SAML assertion has no ID.');
  if (text(xpath.selectElements(root, `./${assertion('Issuer')}`)[0]) !== expected.idpEntityId)
    throw new FederationError('wrong_issuer', 'The SAML assertion comes from another identity provider.');
  const confirmations = xpath.selectElements(
    root,
    `./${assertion('Subject')}/${assertion('SubjectConfirmation')}[@Method='${BEARER}']/` +
      assertion('SubjectConfirmationData'),
  );
  const forUs = confirmations.filter((data) => data.getAttribute('Recipient') === expected.callbackUrl);
  if (forUs.length === 0)
    throw new FederationError('wrong_recipient', 'The SAML assertion was issued for another service provider.');
  const [conditions] = xpath.selectElements(root, `./${assertion('Conditions')}`);
  const acceptableUntil = latest([
    ...forUs.map((data) => data.getAttribute('NotOnOrAfter')),
    conditions?.getAttribute('NotOnOrAfter') ?? null,
  ]);
  if (!acceptableUntil || forUs.some((data) => !data.getAttribute('NotOnOrAfter')))
    throw new FederationError('expired', 'The SAML assertion does not say until when it is valid.');
  const authnContextClassRefs = xpath
    .selectElements(root, `./${assertion('AuthnStatement')}//${assertion('AuthnContextClassRef')}`)
    .map((reference) => text(reference))
    .filter((reference): reference is string => reference !== null);
  return { assertionId, acceptableUntil, authnContextClassRefs };
}

/** Far above what an IdP sends (a few KB, with many group attributes some hundred KB), far below a memory problem. */
const MAX_RESPONSE_CHARS = 2_000_000;

/** Verifies a SAMLResponse (base64 of the XML, as the HTTP-POST binding carries it) with node-saml, then the rest. */
export async function acceptResponse(input: {
  client: SAML;
  samlResponse: string;
  callbackUrl: string;
  idpEntityId: string;
}): Promise<AcceptedAssertion> {
  if (input.samlResponse.length > MAX_RESPONSE_CHARS)
    throw new FederationError('bad_response', 'The identity provider sent a SAML response that is too large.');
  try {
    await checkEnvelope(Buffer.from(input.samlResponse, 'base64').toString('utf8'), input);
    const { profile } = await input.client.validatePostResponseAsync({ SAMLResponse: input.samlResponse });
    const signedXml = profile?.getAssertionXml?.();
    if (!profile || !signedXml) throw new FederationError('bad_response', 'The SAML response carries no assertion.');
    if (!profile.nameID) throw new FederationError('bad_response', 'The SAML assertion names no user (no NameID).');
    const { assertionId, acceptableUntil, authnContextClassRefs } = await readSignedAssertion(signedXml, input);
    const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
    return {
      assertion: {
        nameId: profile.nameID,
        nameIdFormat: profile.nameIDFormat ?? null,
        authnContextClassRefs,
        attributes,
      },
      assertionId,
      acceptableUntil,
    };
  } catch (error) {
    throw federationErrorOf(error);
  }
}
