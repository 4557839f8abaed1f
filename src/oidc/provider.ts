import Provider, {
  errors,
  type Adapter,
  type Client,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { resolveProjectAliases, audienceAdmits, tokenAudience } from '../domain/rules/audience.ts';
import {
  allowedScopes,
  isReservedScope,
  parseReservedScopes,
  requestedOrg,
  splitScope,
  withAssertedRoleScopes,
  STANDARD_SCOPES,
} from '../domain/rules/scopes.ts';
import { EMAIL_CLAIMS, PHONE_CLAIMS, PROFILE_CLAIMS } from '../domain/rules/user-claims.ts';
import { secretMatches } from '../platform/crypto.ts';
import { globMatches } from '../domain/rules/uri-globs.ts';
import type { TokenLifetimes } from '../store/models/common.ts';
import { findActiveAccount, findOrg, findOrgByPrimaryDomain, type OrgSummary } from '../store/queries/accounts.ts';
import { loadClientMetadata, type ClientInfo } from './clients.ts';
import { clientSecretHashKey, cookieSigner } from '../platform/derived-keys.ts';
import type { Services } from './services.ts';
import type { InstanceRecord, Tenant } from './tenants.ts';
import { MongoAdapter } from './adapter.ts';
import { buildClaims, clientInfo } from './claims.ts';
import { cached } from '../store/cache/instance-cache.ts';
import { cacheKeys } from '../store/cache/keys.ts';
import { castellanInteractionPolicy } from './interaction-policy.ts';
import { providerPages } from './pages.ts';
import { createTokenContext, tokenEndpoints } from './tokens.ts';

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

export function interactionUrl(uid: string): string {
  return `/ui/login/${uid}`;
}

/**
 * node-oidc-provider drops scope values it does not know before anything else sees them. ZITADEL's reserved
 * scopes are patterns, so they travel as the scopes of this one virtual resource (resource indicators): they
 * then reach the interaction, the grant, the code, the tokens and `findAccount`'s claims.
 */
export const RESERVED_RESOURCE = 'urn:castellan:reserved-scopes';

/** Where the request's scopes are decided (and so checked and cleaned). */
const SCOPE_ROUTES = new Set(['authorization', 'device_authorization', 'pushed_authorization_request', 'token']);
const SANITIZED = Symbol('castellan.scopesSanitized');

/** Claims that `findAccount` decided on (roles, reserved and asserted claims): emitted as they are. */
const ASSERTED = Symbol('castellan.assertedClaims');

function lifetimesOf(client: Client | undefined, fallback: TokenLifetimes): TokenLifetimes {
  return client ? clientInfo(client).lifetimes : fallback;
}

/**
 * Org scopes must name one existing, active org (docs/zitadel-behaviour.md §1.3); machine users keep only their own
 * org's.
 */
async function checkOrgScopes(instanceId: string, scopes: string[], info: ClientInfo): Promise<string[]> {
  const reserved = parseReservedScopes(scopes);
  const lookups = [
    ...reserved.orgIds.map((id) => findOrg(instanceId, id)),
    ...reserved.orgPrimaryDomains.map((domain) => findOrgByPrimaryDomain(instanceId, domain)),
  ];
  const orgs = await Promise.all(lookups);
  if (info.kind === 'machine') {
    const orgOf = new Map<string, OrgSummary | null>(
      [
        ...reserved.orgIds.map((id) => `urn:zitadel:iam:org:id:${id}`),
        ...reserved.orgPrimaryDomains.map((domain) => `urn:zitadel:iam:org:domain:primary:${domain}`),
      ].map((scope, i) => [scope, orgs[i] ?? null]),
    );
    return scopes.filter((scope) => !orgOf.has(scope) || orgOf.get(scope)?._id === info.orgId);
  }
  if (requestedOrg(reserved).kind === 'none') return scopes;
  if (orgs.some((org) => !org || org.state !== 'active')) throw new errors.InvalidRequest('Organisation not found');
  if (new Set(orgs.map((org) => org!._id)).size > 1)
    throw new errors.InvalidScope(
      'Only one organization scope may be provided',
      scopes.find((scope) => isReservedScope(scope) && scope.includes(':org:')) ?? 'scope',
    );
  return scopes;
}

/** The scope as the client sent it, before the provider's own filtering. */
function requestedScope(ctx: KoaContextWithOIDC): string[] {
  const raw =
    (ctx.method === 'POST' ? (ctx.oidc.body as Record<string, unknown> | undefined)?.scope : ctx.query.scope) ?? '';
  return typeof raw === 'string' ? splitScope(raw) : [];
}

export async function createTenant(instance: InstanceRecord, services: Services): Promise<Tenant> {
  const { masterKey } = services;
  const instanceId = instance._id;
  const hashKey = clientSecretHashKey(masterKey);
  // All four are required by the instance schema (bootstrap copies them from the configuration).
  const instanceLifetimes = instance.tokenLifetimes as TokenLifetimes;
  const pages = providerPages(instance);
  const tokenContext = await createTokenContext(instance, masterKey);

  const clientAdapter: Adapter = {
    find: (id) => cached(instanceId, cacheKeys.client(id), () => loadClientMetadata(instanceId, instanceLifetimes, id)),
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
    upsert: async () => undefined,
    consume: async () => undefined,
    destroy: async () => undefined,
    revokeByGrantId: async () => undefined,
  };
  const jwtModels = new Set(['AccessToken', 'ClientCredentials']);

  const audienceOf = (token: { scope?: string; clientId?: string }, info: ClientInfo): string[] =>
    tokenAudience(
      info.projectAudience,
      resolveProjectAliases(parseReservedScopes(token.scope).audienceProjectIds, instance.managementProjectId),
      token.clientId ?? '',
    );

  const policy = castellanInteractionPolicy(instanceId);
  // Every application of an instance is first-party: consent is granted by `loadExistingGrant`, never asked.
  policy.get('consent')?.checks.remove('native_client_prompt');

  const configuration: Configuration = {
    adapter: (name: string) =>
      name === 'Client'
        ? clientAdapter
        : new MongoAdapter(name, instanceId, {
            resolveJwt: jwtModels.has(name) ? tokenContext.resolveJwt : null,
            sealer: name === 'ClientCredentials' ? tokenContext.clientCredentialsSealer : null,
          }),
    jwks: { keys: tokenContext.privateJwks as never },
    cookies: { keys: cookieSigner(masterKey) },
    routes: ROUTES,
    interactions: { url: (_ctx, interaction) => interactionUrl(interaction.uid), policy },
    renderError: pages.renderError,
    pkce: { required: () => true },
    responseTypes: ['code'],
    scopes: [...STANDARD_SCOPES],
    claims: {
      openid: ['sub'],
      profile: [...PROFILE_CLAIMS],
      email: [...EMAIL_CLAIMS],
      phone: [...PHONE_CLAIMS],
      address: ['address'],
    },
    conformIdTokenClaims: true,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    clientDefaults: {
      id_token_signed_response_alg: 'RS256',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
    extraClientMetadata: { properties: ['castellan'] },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    ttl: {
      AccessToken: (_ctx, _token, client) => lifetimesOf(client, instanceLifetimes).accessTokenSeconds,
      ClientCredentials: (_ctx, _token, client) => lifetimesOf(client, instanceLifetimes).accessTokenSeconds,
      IdToken: (_ctx, _token, client) =>
        lifetimesOf(client, instanceLifetimes).idTokenSeconds + (client ? clientInfo(client).clockSkewSeconds : 0),
      // Idle lifetime, never beyond the grant, whose lifetime is the absolute one.
      RefreshToken: (ctx, _token, client) => {
        const idle = lifetimesOf(client, instanceLifetimes).refreshTokenIdleSeconds;
        const grantExp = ctx?.oidc.entities.Grant?.exp;
        return grantExp ? Math.max(1, Math.min(idle, grantExp - Math.floor(Date.now() / 1000))) : idle;
      },
      Grant: (ctx) => lifetimesOf(ctx?.oidc.client, instanceLifetimes).refreshTokenAbsoluteSeconds,
      AuthorizationCode: 60,
      DeviceCode: 300,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
    },
    features: {
      devInteractions: { enabled: false },
      introspection: {
        enabled: true,
        // Active only for a caller whose client id or project id is in the token's audience.
        async allowedPolicy(_ctx, caller, token) {
          const owner =
            token.clientId === caller.clientId ? caller : await tenantProvider.Client.find(token.clientId ?? '');
          if (!owner) return false;
          const audience = (token as { aud?: string | string[] }).aud ?? audienceOf(token, clientInfo(owner));
          return audienceAdmits(audience, { clientId: caller.clientId, projectId: clientInfo(caller).projectId });
        },
      },
      // A client revokes only its own tokens, and is told so as ZITADEL does (the provider would answer 200 and keep
      // the token).
      revocation: {
        enabled: true,
        allowedPolicy(_ctx, caller, token) {
          if (token.clientId !== caller.clientId)
            throw new errors.InvalidClient('token was not issued for this client');
          return true;
        },
      },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true, charset: 'base-20', mask: '****-****', ...pages.deviceFlow },
      rpInitiatedLogout: { enabled: true, ...pages.logout },
      resourceIndicators: {
        enabled: true,
        async defaultResource(ctx, client, oneOf) {
          if (oneOf) return oneOf.includes(RESERVED_RESOURCE) ? RESERVED_RESOURCE : oneOf;
          if (!client || !SCOPE_ROUTES.has(ctx.oidc.route)) return undefined as never;
          const info = clientInfo(client);
          let scopes = allowedScopes(
            ctx.oidc.params?.scope as string | undefined,
            info.kind === 'machine' ? 'any' : info.projectRoleKeys,
          );
          // ZITADEL issues refresh tokens for offline_access without prompt=consent (the provider drops it then).
          if (
            ctx.oidc.route === 'authorization' &&
            requestedScope(ctx).includes('offline_access') &&
            client.grantTypeAllowed('refresh_token') &&
            !scopes.includes('offline_access')
          )
            scopes.push('offline_access');
          scopes = await checkOrgScopes(instanceId, scopes, info);
          if (ctx.oidc.route !== 'token' && info.projectRoleAssertion)
            scopes = withAssertedRoleScopes(scopes, info.projectRoleKeys);
          ctx.oidc.params!.scope = scopes.length ? scopes.join(' ') : undefined;
          (ctx.oidc as unknown as Record<symbol, boolean>)[SANITIZED] = true;
          return (scopes.some(isReservedScope) ? RESERVED_RESOURCE : undefined) as never;
        },
        async getResourceServerInfo(ctx, resource, client) {
          // Resource indicators of the client's own choosing are not supported: only the virtual one.
          if (
            resource !== RESERVED_RESOURCE ||
            (SCOPE_ROUTES.has(ctx.oidc.route) && !(ctx.oidc as unknown as Record<symbol, boolean>)[SANITIZED])
          )
            throw new errors.InvalidTarget();
          const sources = [
            ctx.oidc.params?.scope,
            ...(['AuthorizationCode', 'RefreshToken', 'DeviceCode'] as const).map(
              (name) => ctx.oidc.entities[name]?.scope,
            ),
          ];
          const scope = allowedScopes(
            sources.filter((value): value is string => typeof value === 'string').join(' '),
            'any',
          ).join(' ');
          return { scope, audience: client.clientId, accessTokenFormat: 'opaque' };
        },
        useGrantedResource: () => false,
      },
    },
    /** First-party clients: grant what was asked (already cleaned at /authorize), a fresh grant per authorization. */
    async loadExistingGrant(ctx) {
      const { client, account } = ctx.oidc;
      if (!client || !account) return undefined;
      const grant = new tenantProvider.Grant({ accountId: account.accountId, clientId: client.clientId });
      const scopes = splitScope(ctx.oidc.params?.scope as string | undefined);
      if (scopes.length) grant.addOIDCScope(scopes.join(' '));
      const requestedClaims = Object.values(ctx.oidc.claims ?? {}).flatMap((claims) => Object.keys(claims ?? {}));
      if (requestedClaims.length) grant.addOIDCClaims(requestedClaims);
      if (ctx.oidc.resourceServers?.[RESERVED_RESOURCE]) grant.addResourceScope(RESERVED_RESOURCE, scopes.join(' '));
      await grant.save();
      return grant;
    },
    async findAccount(ctx, sub) {
      const account = await findActiveAccount(instanceId, sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims(use, scope) {
          const { client } = ctx.oidc;
          const asserted = client
            ? await buildClaims({
                instanceId,
                managementProjectId: instance.managementProjectId,
                account,
                scope,
                target: use === 'id_token' ? 'id_token' : 'userinfo',
                client: clientInfo(client),
              })
            : {};
          // The provider signs an `iat` in the payload as it is: the app's clock skew moves it back (exp moves by the
          // ttl).
          const skew = use === 'id_token' && client ? clientInfo(client).clockSkewSeconds : 0;
          if (skew) asserted.iat = Math.floor(Date.now() / 1000) - skew;
          // Standard claims come only from `buildClaims`: the access token's audience disables the provider's
          // conformIdTokenClaims, so any claim offered here would reach the ID token whatever idTokenUserinfoAssertion
          // says.
          return { sub, [ASSERTED]: asserted } as never;
        },
      };
    },
  };
  const tenantProvider = new Provider(instance.issuer, configuration);
  tenantProvider.proxy = new URL(instance.issuer).protocol === 'https:';

  // Client secrets are stored as keyed hashes: the client's `client_secret` metadata holds the hash.
  tenantProvider.Client.prototype.compareClientSecret = function compareHashedSecret(this: Client, actual: string) {
    return secretMatches(hashKey, actual, this.clientSecret ?? '');
  };
  // Development mode (ZITADEL): the registered URIs are glob patterns.
  for (const [method, list] of [
    ['redirectUriAllowed', 'redirectUris'],
    ['postLogoutRedirectUriAllowed', 'postLogoutRedirectUris'],
  ] as const) {
    const exact = tenantProvider.Client.prototype[method];
    tenantProvider.Client.prototype[method] = function globRedirectAllowed(this: Client, value: string) {
      const { devMode } = clientInfo(this);
      return devMode ? devMode[list].some((pattern) => globMatches(pattern, value)) : exact.call(this, value);
    };
  }
  // Role, reserved and asserted claims have dynamic names (per project), which no static claim list can declare.
  const maskResult = tenantProvider.Claims.prototype.result;
  tenantProvider.Claims.prototype.result = async function withAsserted(this: { available: Record<symbol, unknown> }) {
    return {
      ...(await maskResult.call(this as never)),
      ...(this.available[ASSERTED] as Record<string, unknown> | undefined),
    };
  };
  tokenEndpoints(tenantProvider, tokenContext, instance, audienceOf, ROUTES);
  return { instance, provider: tenantProvider, handle: tenantProvider.callback() };
}
