import * as client from 'openid-client';
import { importJWK } from 'jose';
import { z } from 'zod';
import { FederationError, type ExternalIdentity, type FederationProtocol, type IdpForProtocol } from './protocol.ts';
import { TENANT_ID, isTenantTemplate, templateConfiguration, tenantCodeGrant } from './oidc-tenant-issuer.ts';
import { addPkceChallenge } from './pkce.ts';
import {
  federationErrorOf,
  scopeListSchema,
  stringClaim,
  upstreamOptions,
  upstreamUrlSchema,
} from './upstream-http.ts';

/** ZITADEL's login callback for every OAuth-based provider (its login's `/login/externalidp/callback`). */
export const EXTERNAL_IDP_CALLBACK_PATH = '/ui/login/login/externalidp/callback';

export const oidcSettingsSchema = z
  .strictObject({
    issuer: upstreamUrlSchema,
    clientId: z.string().min(1).max(500),
    /** For client_secret_basic and client_secret_post. */
    clientSecret: z.string().min(1).max(1000).optional(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).default('client_secret_basic'),
    /** The private JWK (JSON) Castellan signs its client assertion with, for private_key_jwt (RFC 7523). */
    privateKeyJwk: z.string().min(2).max(10_000).optional(),
    scopes: scopeListSchema.default(['openid', 'profile', 'email']),
    usePkce: z.boolean().default(true),
    /** Where the user's claims are read: the ID token alone, or the userinfo endpoint as well. */
    claimsFrom: z.enum(['id_token', 'userinfo']).default('id_token'),
    /**
     * Entra ID tenants whose users may sign in (the ID token's `tid`), for a multi-tenant issuer such as
     * `https://login.microsoftonline.com/common/v2.0`; left out, every tenant may.
     */
    allowedTenants: z.array(z.string().regex(TENANT_ID, 'must be a tenant id')).min(1).max(100).optional(),
  })
  .superRefine((settings, check) => {
    if (settings.clientAuth === 'private_key_jwt' && !settings.privateKeyJwk)
      check.addIssue({ code: 'custom', path: ['privateKeyJwk'], message: 'required for private_key_jwt' });
    if (settings.clientAuth !== 'private_key_jwt' && !settings.clientSecret)
      check.addIssue({ code: 'custom', path: ['clientSecret'], message: `required for ${settings.clientAuth}` });
    if (!settings.scopes.includes('openid'))
      check.addIssue({ code: 'custom', path: ['scopes'], message: 'must include openid' });
  });
export type OidcSettings = z.output<typeof oidcSettingsSchema>;

async function clientAuthOf(settings: OidcSettings): Promise<client.ClientAuth> {
  if (settings.clientAuth === 'client_secret_post') return client.ClientSecretPost(settings.clientSecret);
  if (settings.clientAuth === 'client_secret_basic') return client.ClientSecretBasic(settings.clientSecret);
  const jwk = JSON.parse(settings.privateKeyJwk!) as { kid?: string; alg?: string };
  const key = (await importJWK(jwk, jwk.alg ?? 'RS256')) as CryptoKey;
  return client.PrivateKeyJwt({ key, kid: jwk.kid });
}

const DISCOVERY_CACHE_MS = 10 * 60_000;
const discovered = new Map<string, { config: Promise<client.Configuration>; until: number }>();

/**
 * The upstream's configuration by discovery (OpenID Connect Discovery 1.0), kept ten minutes per IdP and settings, so a
 * login costs no discovery round trip; a failed discovery is not kept.
 */
function configurationOf(idp: IdpForProtocol<OidcSettings>): Promise<client.Configuration> {
  const key = `${idp.instanceId}:${idp.id}:${JSON.stringify(idp.settings)}`;
  const hit = discovered.get(key);
  if (hit && hit.until > Date.now()) return hit.config;
  const { settings } = idp;
  const issuer = new URL(settings.issuer);
  const config = clientAuthOf(settings).then((auth) =>
    client
      .discovery(issuer, settings.clientId, undefined, auth, upstreamOptions(issuer))
      .catch(
        (error: unknown) => templateConfiguration(error, issuer, settings.clientId, auth) ?? Promise.reject(error),
      ),
  );
  discovered.set(key, { config, until: Date.now() + DISCOVERY_CACHE_MS });
  config.catch(() => discovered.delete(key));
  return config;
}

/** The standard claims (OpenID Connect Core 1.0 §5.1) as an ExternalIdentity. */
export function identityFromClaims(raw: Record<string, unknown>, subject: string): ExternalIdentity {
  const amr = Array.isArray(raw.amr) ? raw.amr.filter((value): value is string => typeof value === 'string') : [];
  return {
    subject,
    email: stringClaim(raw, 'email')?.toLowerCase() ?? null,
    emailVerified: raw.email_verified === true || raw.email_verified === 'true',
    givenName: stringClaim(raw, 'given_name'),
    familyName: stringClaim(raw, 'family_name'),
    displayName: stringClaim(raw, 'name'),
    preferredUsername: stringClaim(raw, 'preferred_username'),
    locale: stringClaim(raw, 'locale'),
    amr,
    raw,
  };
}

/** The generic OpenID Connect relying party (openid-client): authorization code flow with state, nonce and PKCE. */
export const oidcProtocol: FederationProtocol<OidcSettings> = {
  type: 'oidc',
  settingsSchema: oidcSettingsSchema as unknown as z.ZodType<OidcSettings>,
  secretFields: ['clientSecret', 'privateKeyJwk'],
  callbackPath: () => EXTERNAL_IDP_CALLBACK_PATH,

  async begin({ idp, callbackUrl, state }) {
    const config = await configurationOf(idp).catch((error: unknown) => {
      throw federationErrorOf(error);
    });
    const nonce = client.randomNonce();
    const keep: Record<string, string> = { nonce };
    const parameters: Record<string, string> = {
      redirect_uri: callbackUrl,
      scope: idp.settings.scopes.join(' '),
      state,
      nonce,
    };
    if (idp.settings.usePkce) await addPkceChallenge(parameters, keep);
    return { request: { kind: 'redirect', url: client.buildAuthorizationUrl(config, parameters).href }, keep };
  },

  async finish({ idp, callbackUrl, params, keep }) {
    try {
      const config = await configurationOf(idp);
      const current = new URL(callbackUrl);
      current.search = params.toString();
      const checks = {
        expectedState: params.get('state') ?? '',
        expectedNonce: keep.nonce!,
        pkceCodeVerifier: keep.codeVerifier,
      };
      const tokens = isTenantTemplate(config)
        ? await tenantCodeGrant(config, idp.settings.clientId, await clientAuthOf(idp.settings), current, checks)
        : await client.authorizationCodeGrant(config, current, { ...checks, idTokenExpected: true });
      const idToken = tokens.claims();
      if (!idToken) throw new FederationError('invalid_response', 'The identity provider sent no ID token.');
      const { allowedTenants } = idp.settings;
      if (allowedTenants && !allowedTenants.includes(String(idToken.tid)))
        throw new FederationError('tenant_not_allowed', 'Your organization may not sign in here.');
      let raw: Record<string, unknown> = { ...idToken };
      if (idp.settings.claimsFrom === 'userinfo')
        raw = { ...raw, ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)) };
      return identityFromClaims(raw, idToken.sub);
    } catch (error) {
      throw federationErrorOf(error);
    }
  },
};
