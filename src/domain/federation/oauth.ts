import * as client from 'openid-client';
import { z } from 'zod';
import { FederationError, type FederationProtocol } from './protocol.ts';
import { EXTERNAL_IDP_CALLBACK_PATH } from './oidc.ts';
import { addPkceChallenge } from './pkce.ts';
import {
  federationErrorOf,
  scopeListSchema,
  stringClaim,
  upstreamOptions,
  upstreamUrlSchema,
} from './upstream-http.ts';

export const oauthSettingsSchema = z.strictObject({
  authorizationEndpoint: upstreamUrlSchema,
  tokenEndpoint: upstreamUrlSchema,
  userEndpoint: upstreamUrlSchema,
  clientId: z.string().min(1).max(500),
  clientSecret: z.string().min(1).max(1000),
  scopes: scopeListSchema.default([]),
  /** The user endpoint's attribute holding the user's stable id (GitHub: `id`), the link's key. */
  idAttribute: z.string().min(1).max(200).default('id'),
  usePkce: z.boolean().default(false),
});
export type OauthSettings = z.output<typeof oauthSettingsSchema>;

/** A plain OAuth 2.0 server has no discovery: its endpoints are the configuration. */
function configurationOf(settings: OauthSettings): client.Configuration {
  const config = new client.Configuration(
    {
      issuer: new URL(settings.authorizationEndpoint).origin,
      authorization_endpoint: settings.authorizationEndpoint,
      token_endpoint: settings.tokenEndpoint,
    },
    settings.clientId,
    undefined,
    client.ClientSecretPost(settings.clientSecret),
  );
  const options = upstreamOptions(new URL(settings.tokenEndpoint));
  config.timeout = options.timeout;
  for (const apply of options.execute) apply(config);
  return config;
}

async function fetchUser(settings: OauthSettings, config: client.Configuration, accessToken: string) {
  const response = await client.fetchProtectedResource(
    config,
    accessToken,
    new URL(settings.userEndpoint),
    'GET',
    undefined,
    new Headers({ accept: 'application/json' }),
  );
  if (!response.ok)
    throw new FederationError('upstream_error', `The identity provider's user endpoint answered ${response.status}.`);
  const user = (await response.json()) as unknown;
  if (!user || typeof user !== 'object' || Array.isArray(user))
    throw new FederationError('invalid_response', "The identity provider's user endpoint sent no user.");
  return user as Record<string, unknown>;
}

/** Generic OAuth 2.0 (RFC 6749 authorization code, state, optional PKCE) with a user endpoint, e.g. GitHub. */
export const oauthProtocol: FederationProtocol<OauthSettings> = {
  type: 'oauth',
  settingsSchema: oauthSettingsSchema as unknown as z.ZodType<OauthSettings>,
  secretFields: ['clientSecret'],
  callbackPath: () => EXTERNAL_IDP_CALLBACK_PATH,

  async begin({ idp, callbackUrl, state }) {
    const config = configurationOf(idp.settings);
    const keep: Record<string, string> = {};
    const parameters: Record<string, string> = { redirect_uri: callbackUrl, state };
    if (idp.settings.scopes.length) parameters.scope = idp.settings.scopes.join(' ');
    if (idp.settings.usePkce) await addPkceChallenge(parameters, keep);
    return { request: { kind: 'redirect', url: client.buildAuthorizationUrl(config, parameters).href }, keep };
  },

  async finish({ idp, callbackUrl, params, keep }) {
    const { settings } = idp;
    try {
      const config = configurationOf(settings);
      const current = new URL(callbackUrl);
      current.search = params.toString();
      const tokens = await client.authorizationCodeGrant(config, current, {
        expectedState: params.get('state') ?? '',
        pkceCodeVerifier: keep.codeVerifier,
        idTokenExpected: false,
      });
      const raw = await fetchUser(settings, config, tokens.access_token);
      const subject = stringClaim(raw, settings.idAttribute);
      if (!subject)
        throw new FederationError('invalid_response', `The user endpoint sent no ${settings.idAttribute} attribute.`);
      return {
        subject,
        email: stringClaim(raw, 'email')?.toLowerCase() ?? null,
        // Plain OAuth asserts nothing about the address (GitHub's public email is not a verified-email claim).
        emailVerified: raw.email_verified === true,
        givenName: stringClaim(raw, 'given_name'),
        familyName: stringClaim(raw, 'family_name'),
        displayName: stringClaim(raw, 'name'),
        preferredUsername: stringClaim(raw, 'login') ?? stringClaim(raw, 'preferred_username'),
        locale: stringClaim(raw, 'locale'),
        amr: [],
        raw,
      };
    } catch (error) {
      throw federationErrorOf(error);
    }
  },
};
