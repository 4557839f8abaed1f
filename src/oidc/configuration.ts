import type { Adapter, Configuration } from 'oidc-provider';
import { ACR_VALUES } from '../domain/rules/mfa.ts';
import { STANDARD_SCOPES } from '../domain/rules/scopes.ts';
import { ADDRESS_CLAIMS, EMAIL_CLAIMS, PHONE_CLAIMS, PROFILE_CLAIMS } from '../domain/rules/user-claims.ts';
import { cached } from '../store/cache/instance-cache.ts';
import { cacheKeys } from '../store/cache/keys.ts';
import type { TokenLifetimes } from '../store/models/common.ts';
import { accountFinder } from './accounts.ts';
import { MongoAdapter } from './adapter.ts';
import { InteractionAdapter } from './interaction-adapter.ts';
import { assertClientAssertion, CLOCK_TOLERANCE_SECONDS } from './client-assertions.ts';
import { BoundTokenAdapter } from './token-binding.ts';
import { loadClientMetadata } from './clients.ts';
import { loadExistingGrant } from './grants.ts';
import { castellanInteractionPolicy } from './interaction-policy.ts';
import { tokenLifetimes } from './lifetimes.ts';
import { providerPages } from './pages.ts';
import { pkceRequiredFor } from './pkce.ts';
import { reservedScopeResource } from './reserved-scopes.ts';
import type { TenantKeys } from './tenant-keys.ts';
import type { InstanceRecord } from './tenants.ts';
import { introspectionPolicy, revocationPolicy } from './token-policies.ts';

/** ZITADEL's endpoint paths, so relying parties configured for ZITADEL work with a new issuer URL only. */
export const ROUTES = {
  authorization: '/oauth/v2/authorize',
  token: '/oauth/v2/token',
  introspection: '/oauth/v2/introspect',
  revocation: '/oauth/v2/revoke',
  jwks: '/oauth/v2/keys',
  device_authorization: '/oauth/v2/device_authorization',
  code_verification: '/oauth/v2/device',
  userinfo: '/oidc/v1/userinfo',
  end_session: '/oidc/v1/end_session',
  pushed_authorization_request: '/oauth/v2/par',
} as const;

/**
 * The route path a request path reaches at the provider: its router (9.13.3 lib/helpers/router.js `match`) compares
 * paths case-insensitively (ASCII: the routes are) and takes a trailing slash away when nothing matched with it. So
 * whatever is decided for a route (a throttle, Castellan's steps) is decided for every path the provider answers it on.
 */
export function providerRoutePath(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

/** Models whose access tokens may be JWTs (app or machine setting): their adapters find them by `jti`. */
const JWT_MODELS = new Set(['AccessToken', 'ClientCredentials']);

/** Clients are read from applications and machine users (oidc/clients.ts), never written by the provider. */
function clientAdapter(instanceId: string, instanceLifetimes: TokenLifetimes): Adapter {
  return {
    find: (id) => cached(instanceId, cacheKeys.client(id), () => loadClientMetadata(instanceId, instanceLifetimes, id)),
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    upsert: async () => undefined,
    consume: async () => undefined,
    destroy: async () => undefined,
    revokeByGrantId: async () => undefined,
  };
}

/** One instance's provider configuration: its issuer's keys, lifetimes, pages and Castellan's policies. */
export function providerConfiguration(instance: InstanceRecord, keys: TenantKeys): Configuration {
  const instanceId = instance._id;
  // All four are required by the instance schema (bootstrap copies them from the configuration).
  const instanceLifetimes = instance.tokenLifetimes as TokenLifetimes;
  const clients = clientAdapter(instanceId, instanceLifetimes);
  const pages = providerPages(instance);
  const policy = castellanInteractionPolicy(instance);
  // Every application of an instance is first-party: consent is granted by `loadExistingGrant`, never asked.
  policy.get('consent')?.checks.remove('native_client_prompt');

  return {
    adapter(name: string) {
      if (name === 'Client') return clients;
      const resolveJwt = JWT_MODELS.has(name) ? keys.resolveJwt : null;
      // Client-credentials tokens are machine users' (only they have the grant), bound to the user (token-binding.ts).
      if (name === 'ClientCredentials')
        return new BoundTokenAdapter(name, instanceId, { resolveJwt, sealer: keys.clientCredentialsSealer });
      if (name === 'Interaction') return new InteractionAdapter(instanceId);
      return new MongoAdapter(name, instanceId, { resolveJwt });
    },
    jwks: { keys: keys.privateJwks },
    cookies: { keys: keys.cookieKeys },
    routes: ROUTES,
    interactions: { url: (_ctx, interaction) => `/ui/login/${interaction.uid}`, policy },
    renderError: pages.renderError,
    pkce: { required: pkceRequiredFor },
    responseTypes: ['code'],
    scopes: [...STANDARD_SCOPES],
    // `amr` and `auth_time` in every ID token, as ZITADEL emits them (docs/zitadel-behaviour.md, ID token); `acr`
    // when the request asks for it (`acr_values`, domain/rules/mfa.ts).
    acrValues: [...ACR_VALUES],
    claims: {
      openid: ['sub', 'amr', 'auth_time'],
      profile: [...PROFILE_CLAIMS],
      email: [...EMAIL_CLAIMS],
      phone: [...PHONE_CLAIMS],
      address: [...ADDRESS_CLAIMS],
    },
    conformIdTokenClaims: true,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    assertJwtClientAuthClaimsAndHeader: assertClientAssertion,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    clientDefaults: {
      id_token_signed_response_alg: 'RS256',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    // Castellan's view of the client (oidc/clients.ts) travels in its metadata.
    extraClientMetadata: { properties: ['castellan'] },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: tokenLifetimes(instanceLifetimes),
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true, allowedPolicy: introspectionPolicy(instance) },
      revocation: { enabled: true, allowedPolicy: revocationPolicy },
      clientCredentials: { enabled: true },
      claimsParameter: { enabled: true },
      deviceFlow: { enabled: true, charset: 'base-20', mask: '****-****', ...pages.deviceFlow },
      rpInitiatedLogout: { enabled: true, ...pages.logout },
      // OpenID Connect Back-Channel Logout 1.0; delivery and its outcome: oidc/backchannel-logout.ts.
      backchannelLogout: { enabled: true },
      resourceIndicators: reservedScopeResource(instanceId),
    },
    loadExistingGrant,
    findAccount: accountFinder(instance),
  };
}
