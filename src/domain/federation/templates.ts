import { z } from 'zod';
import type { AttributeMapping } from '../rules/external-profile.ts';
import { scopeListSchema, upstreamUrlSchema } from './upstream-http.ts';

/**
 * Well-known providers as ZITADEL offers them (its AddAzureADProvider, AddGoogleProvider, AddOktaProvider…): a few
 * fields in, the generic protocol's settings and the attribute mapping out. A configuration made from a template is
 * stored as its protocol's (`oidc`, `oauth`) with the template's name kept for display.
 */
export interface ProviderTemplate {
  protocol: 'oidc' | 'oauth';
  input: z.ZodType<Record<string, unknown>>;
  /** The protocol's settings (still to be validated by its schema). */
  settings(input: Record<string, unknown>): Record<string, unknown>;
  mapping: AttributeMapping;
  /**
   * The template's own fields of stored protocol settings (its input without the secret): what a form shows and a
   * replacement sends back, read back from the issuer it built, so nothing beyond the protocol's settings is stored.
   */
  fieldsOf(settings: Record<string, unknown>): Record<string, unknown>;
}

/** The template fields that are secrets: left out of a replacement, the stored one is kept (as a protocol's). */
export const TEMPLATE_SECRET_FIELDS = ['clientSecret'] as const;

const clientCredentials = {
  clientId: z.string().min(1).max(500),
  clientSecret: z.string().min(1).max(1000),
  scopes: scopeListSchema.optional(),
};
type Credentials = { clientId: string; clientSecret: string; scopes?: string[] };
const credentialsOf = ({ clientId, clientSecret, scopes }: Credentials) => ({
  clientId,
  clientSecret,
  ...(scopes ? { scopes } : {}),
});
const OIDC_SCOPES = ['openid', 'profile', 'email'];

/** The credentials' fields of stored settings: the client id and the scopes (the secret is never read back). */
const storedCredentials = (settings: Record<string, unknown>) => ({
  clientId: settings.clientId,
  ...(Array.isArray(settings.scopes) ? { scopes: settings.scopes } : {}),
});
/** The named groups of `pattern` in `text` that matched, as fields (none where the issuer is not the template's). */
const groupsOf = (pattern: RegExp, text: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries(pattern.exec(String(text))?.groups ?? {}).filter(([, value]) => value !== undefined),
  );

/** A provider whose issuer is all that differs: the standard claims, email trusted as verified as it says. */
function oidcTemplate(
  fields: z.ZodRawShape,
  issuer: (input: Record<string, unknown>) => string,
  mapping: AttributeMapping,
  /** The template's fields the issuer was built from (the inverse of `issuer`). */
  issuerFields: RegExp | null,
  /** Template fields that are the generic protocol's settings as they are. */
  passed: readonly string[] = [],
): ProviderTemplate {
  return {
    protocol: 'oidc',
    input: z.strictObject({ ...clientCredentials, ...fields }) as unknown as z.ZodType<Record<string, unknown>>,
    settings: (input) => ({
      scopes: OIDC_SCOPES,
      ...credentialsOf(input as Credentials),
      issuer: issuer(input),
      ...Object.fromEntries(passed.filter((field) => input[field] !== undefined).map((field) => [field, input[field]])),
    }),
    mapping,
    fieldsOf: (settings) => ({
      ...storedCredentials(settings),
      ...(issuerFields ? groupsOf(issuerFields, settings.issuer) : {}),
      ...Object.fromEntries(passed.filter((field) => settings[field] !== undefined).map((f) => [f, settings[f]])),
    }),
  };
}

export const PROVIDER_TEMPLATES: Record<string, ProviderTemplate> = {
  /**
   * Microsoft Entra ID (Azure AD) v2.0: a tenant id or `organizations`/`common`/`consumers`. Its `email` claim is not
   * verified by Microsoft (https://learn.microsoft.com/en-us/entra/identity-platform/migrate-off-email-claim-authorization),
   * so the address is not trusted; the username is the UPN (`preferred_username`).
   */
  'azure-ad': oidcTemplate(
    {
      tenant: z.string().regex(/^(common|organizations|consumers|[0-9a-fA-F-]{36}|[a-z0-9.-]+)$/, 'must be a tenant'),
      // With `common` or `organizations`: the tenants whose users may sign in (src/domain/federation/oidc.ts).
      allowedTenants: z.array(z.string()).optional(),
    },
    (input) => `https://login.microsoftonline.com/${String(input.tenant)}/v2.0`,
    { username: 'preferred_username', trustEmailVerified: false },
    /^https:\/\/login\.microsoftonline\.com\/(?<tenant>[^/]+)\/v2\.0$/,
    ['allowedTenants'],
  ),
  google: oidcTemplate({}, () => 'https://accounts.google.com', { username: 'email', trustEmailVerified: true }, null),
  /** Okta's org authorization server, or a custom one (`https://{domain}/oauth2/{authorizationServerId}`). */
  okta: oidcTemplate(
    {
      domain: z.string().regex(/^[a-z0-9.-]+$/, 'must be a host name'),
      authorizationServerId: z
        .string()
        .regex(/^[A-Za-z0-9]+$/)
        .optional(),
    },
    (input) =>
      `https://${String(input.domain)}${input.authorizationServerId ? `/oauth2/${String(input.authorizationServerId)}` : ''}`,
    { trustEmailVerified: true },
    /^https:\/\/(?<domain>[^/]+)(\/oauth2\/(?<authorizationServerId>[^/]+))?$/,
  ),
  keycloak: oidcTemplate(
    { baseUrl: upstreamUrlSchema, realm: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a realm name') },
    (input) => `${String(input.baseUrl).replace(/\/$/, '')}/realms/${String(input.realm)}`,
    { trustEmailVerified: true },
    /^(?<baseUrl>.+)\/realms\/(?<realm>[^/]+)$/,
  ),
  /** GitHub (OAuth 2.0 only): the numeric `id` is the stable key, `login` the username. */
  github: {
    protocol: 'oauth',
    input: z.strictObject(clientCredentials) as unknown as z.ZodType<Record<string, unknown>>,
    settings: (input) => ({
      scopes: ['read:user', 'user:email'],
      ...credentialsOf(input as Credentials),
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      userEndpoint: 'https://api.github.com/user',
      idAttribute: 'id',
    }),
    mapping: { username: 'login', displayName: 'name', trustEmailVerified: false },
    fieldsOf: storedCredentials,
  },
};
