import { FederationError, type ExternalIdentity } from './protocol.ts';
import { NAME_ID_FORMATS, attributeMapping, type SamlSettings } from './saml-settings.ts';

/** What a verified assertion says about the user (read by saml-response.ts from the signed bytes only). */
export interface VerifiedAssertion {
  nameId: string;
  nameIdFormat: string | null;
  authnContextClassRefs: string[];
  attributes: Record<string, unknown>;
}

/**
 * RFC 8176 values for the authentication context classes that say something an OIDC client can act on (SAML authn
 * context §3.4; Azure AD's https://learn.microsoft.com/en-us/entra/identity-platform/reference-saml-tokens; the
 * REFEDS MFA profile https://refeds.org/profile/mfa). `PasswordProtectedTransport` is what most IdPs send for a
 * password; classes that name no method (unspecified, Kerberos, previous session) give nothing.
 */
const AMR_BY_CONTEXT_CLASS: Record<string, string[]> = {
  'urn:oasis:names:tc:SAML:2.0:ac:classes:Password': ['pwd'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport': ['pwd'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken': ['otp'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI': ['sc'],
  'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract': ['mfa'],
  'https://refeds.org/profile/mfa': ['mfa'],
  'http://schemas.microsoft.com/claims/multipleauthn': ['mfa'],
  'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password': ['pwd'],
};

/** Azure AD lists the methods it used in this attribute, with the same URIs as its context classes. */
const AZURE_AUTHN_METHODS = 'http://schemas.microsoft.com/claims/authnmethodsreferences';

function values(attribute: unknown): string[] {
  const list = Array.isArray(attribute) ? attribute : [attribute];
  return list.filter((value): value is string => typeof value === 'string' && value.trim() !== '');
}

function firstValue(attributes: Record<string, unknown>, names: string[]): string | null {
  for (const name of names) {
    const [value] = values(attributes[name]);
    if (value !== undefined) return value.trim();
  }
  return null;
}

export function amrFromAssertion(assertion: VerifiedAssertion): string[] {
  const references = [...assertion.authnContextClassRefs, ...values(assertion.attributes[AZURE_AUTHN_METHODS])];
  return [...new Set(references.flatMap((reference) => AMR_BY_CONTEXT_CLASS[reference] ?? []))];
}

/** The link's key: the NameID, or for a transient one (new at every login) the configured attribute's value. */
function subjectOf(assertion: VerifiedAssertion, settings: SamlSettings): string {
  if (assertion.nameIdFormat !== NAME_ID_FORMATS.transient) return assertion.nameId;
  const attribute = settings.transientMappingAttribute;
  const subject = attribute ? firstValue(assertion.attributes, [attribute]) : null;
  if (subject) return subject;
  const missing = attribute ? ` and has no ${attribute} attribute` : '';
  throw new FederationError('unusable_subject', `The SAML assertion names the user by a transient NameID${missing}.`);
}

/** The ExternalIdentity of a verified assertion under the configuration's attribute mapping. */
export function identityFromAssertion(assertion: VerifiedAssertion, settings: SamlSettings): ExternalIdentity {
  const subject = subjectOf(assertion, settings);
  const mapping = attributeMapping(settings);
  const read = (field: keyof typeof mapping): string | null => firstValue(assertion.attributes, mapping[field]);
  // An IdP asked for emailAddress NameIDs names the user by address: that is the email when no attribute gives one.
  const email =
    read('email') ?? (assertion.nameIdFormat === NAME_ID_FORMATS.emailAddress ? assertion.nameId.trim() : null);
  return {
    subject,
    email,
    /*
     * SAML has no "verified" flag: the IdP vouches for every attribute it signs. Whether Castellan takes its word is
     * the IdP configuration's choice at the login (its mapping's trustEmailVerified), one switch for every protocol.
     */
    emailVerified: email !== null,
    givenName: read('givenName'),
    familyName: read('familyName'),
    displayName: read('displayName'),
    preferredUsername: read('preferredUsername'),
    locale: read('locale'),
    amr: amrFromAssertion(assertion),
    raw: { ...assertion.attributes },
  };
}
