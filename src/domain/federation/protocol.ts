import type { z } from 'zod';

/**
 * The contract between the login and one upstream protocol (issue 17): OpenID Connect and OAuth 2.0 through
 * openid-client, SAML 2.0 through @node-saml/node-saml. The login owns the state (which interaction, which IdP,
 * what `begin` asked to keep), the callback routes, just-in-time creation and linking; a protocol only speaks to
 * the upstream and turns its answer into an ExternalIdentity.
 */

/** Who the upstream says the user is, before any mapping to a Castellan user. */
export interface ExternalIdentity {
  /** The upstream's stable id of the user (OIDC `sub`, OAuth id attribute, SAML NameID): the link's key. */
  subject: string;
  email: string | null;
  /** Whether the upstream asserts the address as verified (trusted only where the IdP configuration says so). */
  emailVerified: boolean;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  preferredUsername: string | null;
  locale: string | null;
  /** RFC 8176 values the upstream reports (OIDC `amr`), empty when it reports none. */
  amr: string[];
  /** Every claim or attribute received, for attribute mapping and actions. */
  raw: Record<string, unknown>;
}

/** One IdP configuration as a protocol sees it: its id, its instance, and its decrypted protocol settings. */
export interface IdpForProtocol<Settings> {
  id: string;
  instanceId: string;
  settings: Settings;
}

/** Where `begin` sends the browser: a redirect, or a form auto-submitted to the upstream (SAML HTTP-POST). */
export type UpstreamRequest =
  { kind: 'redirect'; url: string } | { kind: 'post'; url: string; fields: Record<string, string> };

export interface BeginInput<Settings> {
  idp: IdpForProtocol<Settings>;
  /** The callback URL registered at the upstream, built from the instance's issuer. */
  callbackUrl: string;
  /** The opaque value the upstream echoes back (OAuth `state`, SAML `RelayState`). */
  state: string;
}

export interface BeginResult {
  request: UpstreamRequest;
  /** What `finish` needs again (PKCE verifier, nonce, SAML request id): kept by the login with the state. */
  keep: Record<string, string>;
}

export interface FinishInput<Settings> {
  idp: IdpForProtocol<Settings>;
  callbackUrl: string;
  /** The callback's parameters: the query string (redirect bindings) or the form body (HTTP-POST). */
  params: URLSearchParams;
  keep: Record<string, string>;
}

/** The upstream refused or answered something unusable: the login shows `message` on a readable page. */
export class FederationError extends Error {
  /** A short machine name for the audit trail: `access_denied`, `bad_signature`, `replayed`, `unreachable`, … */
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface FederationProtocol<Settings> {
  /** The configuration's `type` in the API and the database: `oidc`, `oauth` or `saml`. */
  type: string;
  /** Validates the API's `settings` for this type (names the offending field on a 400). */
  settingsSchema: z.ZodType<Settings>;
  /** Settings fields that are secrets: encrypted at rest and never returned by the API. */
  secretFields: readonly (keyof Settings & string)[];
  /**
   * Where the upstream sends the browser back, relative to the instance's issuer: one callback for OIDC and OAuth,
   * a per-IdP assertion consumer service for SAML (`/idps/{id}/saml/acs`, as ZITADEL names it).
   */
  callbackPath(idpId: string): string;
  /** Fills what Castellan generates for a new configuration (the SAML service provider's key and certificate). */
  initialize?(settings: Settings): Promise<Settings>;
  /** Fields `initialize` generates that are not secrets: an update that leaves them out keeps the stored ones. */
  generatedFields?: readonly (keyof Settings & string)[];
  /** The document that describes Castellan to the upstream (SAML SP metadata at `/idps/{id}/saml/metadata`). */
  metadata?(input: { idp: IdpForProtocol<Settings>; callbackUrl: string; issuer: string }): string;
  begin(input: BeginInput<Settings>): Promise<BeginResult>;
  /** The identity, or a FederationError; never trusts anything the upstream did not sign or send over TLS. */
  finish(input: FinishInput<Settings>): Promise<ExternalIdentity>;
}
