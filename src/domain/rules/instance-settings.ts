/**
 * An instance's settings: what its operators switch on or off for every org of the instance. Stored as given (a field
 * not set means its default), read as the effective settings below.
 */
export interface InstanceSettings {
  oidc: {
    /**
     * PKCE for every client, confidential ones too (RFC 9700 §2.1.1's stricter recommendation); by default only public
     * clients must use it, as in ZITADEL and node-oidc-provider.
     */
    requirePkceForAllClients: boolean;
    /**
     * Client assertions (private_key_jwt) must carry a `jti` and are accepted once (RFC 7523 §3, item 7); by default an
     * assertion without `jti` is accepted, and again until it expires, as ZITADEL does.
     */
    strictClientAssertions: boolean;
  };
  features: {
    /** OAuth 2.0 Token Exchange (RFC 8693), behind ZITADEL's `oidc_token_exchange` feature flag. */
    tokenExchange: boolean;
    /**
     * Visitors may create an organization and become its first owner from the login ("create your workspace";
     * ZITADEL's org registration, /ui/login/register/org). Off by default: an instance opts in to strangers
     * creating orgs.
     */
    orgSignUp: boolean;
  };
  security: {
    /** Token exchange may impersonate (ZITADEL's security policy `enable_impersonation`). */
    enableImpersonation: boolean;
  };
  /**
   * Which reserved scopes refuse the authorization when they name something the instance does not have (true) instead
   * of being let through (false). The defaults are ZITADEL's (docs/zitadel-behaviour.md §1.2, §1.3); see
   * rules/scope-strictness.ts for what each lenient scope does.
   */
  strictReservedScopes: {
    /** `urn:zitadel:iam:org:id:{id}`: an unknown or inactive org; lenient drops the scope (no org restriction). */
    orgId: boolean;
    /** `urn:zitadel:iam:org:domain:primary:{domain}`: as `orgId`. */
    orgDomainPrimary: boolean;
    /** `urn:zitadel:iam:org:project:id:{id}:aud`: an unknown project; lenient puts the id in `aud` unchecked. */
    projectAudience: boolean;
    /** `urn:zitadel:iam:org:roles:id:{id}`: an unknown org; lenient keeps it, matching no grant. */
    roleOrgId: boolean;
    /** `urn:zitadel:iam:org:idp:id:{id}`: an IdP the login does not offer; lenient shows the usual login. */
    idpId: boolean;
    /** `urn:zitadel:iam:org:project:role:{key}`: no role of the client's project; lenient drops the scope. */
    projectRole: boolean;
  };
}

export type InstanceSettingsOverride = { [G in keyof InstanceSettings]?: Partial<InstanceSettings[G]> };

export const DEFAULT_INSTANCE_SETTINGS: InstanceSettings = {
  oidc: { requirePkceForAllClients: false, strictClientAssertions: false },
  features: { tokenExchange: false, orgSignUp: false },
  security: { enableImpersonation: false },
  strictReservedScopes: {
    orgId: true,
    orgDomainPrimary: true,
    projectAudience: false,
    roleOrgId: false,
    idpId: true,
    projectRole: false,
  },
};

/** The settings in effect: each stored field over its default. */
export function effectiveInstanceSettings(stored: InstanceSettingsOverride | null | undefined): InstanceSettings {
  const groups = Object.keys(DEFAULT_INSTANCE_SETTINGS) as Array<keyof InstanceSettings>;
  return Object.fromEntries(
    groups.map((group) => [group, { ...DEFAULT_INSTANCE_SETTINGS[group], ...stripUnset(stored?.[group]) }]),
  ) as unknown as InstanceSettings;
}

function stripUnset(group: object | undefined): object {
  return Object.fromEntries(Object.entries(group ?? {}).filter(([, value]) => value !== undefined && value !== null));
}
