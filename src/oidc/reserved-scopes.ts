import { errors, type Client, type Configuration, type KoaContextWithOIDC, type OIDCContext } from 'oidc-provider';
import { requiredOrg, withOwnOrgScopesOnly } from '../domain/rules/org-scopes.ts';
import { allowedScopes, isReservedScope, splitScope, withAssertedRoleScopes } from '../domain/rules/scopes.ts';
import { resolveOrgScopes } from '../domain/org-scopes.ts';
import { instanceSettings } from '../domain/commands/instance-settings.ts';
import { keptOrgScopes, refusedRoleScope, type ScopeStrictness } from '../domain/rules/scope-strictness.ts';
import { firstUnknownTarget } from '../domain/scope-targets.ts';
import { clientInfo, type ClientInfo } from './clients.ts';

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

/**
 * node-oidc-provider drops scope values it does not know before anything else sees them. ZITADEL's reserved
 * scopes are patterns, so they travel as the scopes of this one virtual resource (resource indicators): they
 * then reach the interaction, the grant, the code, the tokens and `findAccount`'s claims.
 */
export const RESERVED_RESOURCE = 'urn:castellan:reserved-scopes';

/** Where the request's scopes are decided (and so checked and cleaned). */
const SCOPE_ROUTES = new Set(['authorization', 'device_authorization', 'pushed_authorization_request', 'token']);

/** Requests whose scopes `defaultResource` has checked and cleaned: only those may name the reserved resource. */
const sanitized = new WeakSet<OIDCContext>();

/** What a token request redeems; their scopes were cleaned when granted. */
const REDEEMED_MODELS = ['AuthorizationCode', 'RefreshToken', 'DeviceCode'] as const;

/**
 * Whether the request may use the reserved resource: one whose scopes were cleaned, or a token request that redeems a
 * code or refresh token holding the resource. The provider takes the resource from what it redeems when the scopes
 * have no `openid` (lib/helpers/resolve_resource.js), a refresh for `offline_access` alone, say (issue 14 item 4),
 * after checking that it was granted, and the requested scopes are a subset of the granted ones.
 */
function mayUseReservedResource(ctx: KoaContextWithOIDC): boolean {
  if (!SCOPE_ROUTES.has(ctx.oidc.route) || sanitized.has(ctx.oidc)) return true;
  return REDEEMED_MODELS.some((name) => ctx.oidc.entities[name]?.resourceIndicators?.has(RESERVED_RESOURCE));
}

/**
 * Org scopes must name one existing, active org (docs/zitadel-behaviour.md §1.3), unless the instance reads them
 * leniently (then those naming none are dropped); machine users keep only their own org's.
 */
async function checkOrgScopes(
  instanceId: string,
  scopes: string[],
  info: ClientInfo,
  strictness: ScopeStrictness,
): Promise<string[]> {
  const resolved = await resolveOrgScopes(instanceId, scopes);
  if (info.kind === 'machine') return withOwnOrgScopesOnly(scopes, resolved, info.orgId);
  const kept = keptOrgScopes(resolved, strictness, { activeOnly: true });
  const required = requiredOrg(kept, { activeOnly: true });
  if (required.kind === 'unknown') throw new errors.InvalidRequest('Organisation not found');
  if (required.kind === 'conflict')
    throw new errors.InvalidScope(
      'Only one organization scope may be provided',
      scopes.find((scope) => isReservedScope(scope) && scope.includes(':org:')) ?? 'scope',
    );
  const dropped = new Set(resolved.filter((entry) => !kept.includes(entry)).map(({ scope }) => scope));
  return scopes.filter((scope) => !dropped.has(scope));
}

/** The `:aud` and `roles:id` scopes the instance reads strictly must name its projects and orgs. */
async function checkNamedTargets(instanceId: string, scopes: string[], strictness: ScopeStrictness): Promise<void> {
  const unknown = await firstUnknownTarget(instanceId, scopes, strictness);
  if (unknown) throw new errors.InvalidScope('The scope names no project or organization of this instance', unknown);
}

/** The scope as the client sent it, before the provider's own filtering. */
function requestedScope(ctx: KoaContextWithOIDC): string[] {
  const raw = (ctx.method === 'POST' ? ctx.oidc.body?.scope : ctx.query.scope) ?? '';
  return typeof raw === 'string' ? splitScope(raw) : [];
}

/** The request's scopes as ZITADEL keeps them (docs/zitadel-behaviour.md §1.1), with the org scopes checked. */
async function sanitizedScopes(ctx: KoaContextWithOIDC, client: Client, instanceId: string): Promise<string[]> {
  const info = clientInfo(client);
  const strictness = (await instanceSettings(instanceId)).strictReservedScopes;
  const requested = splitScope(ctx.oidc.params?.scope as string | undefined);
  let scopes = allowedScopes(requested, info.kind === 'machine' ? 'any' : info.projectRoleKeys);
  const refusedRole = refusedRoleScope(requested, scopes, strictness);
  if (refusedRole) throw new errors.InvalidScope("The scope names no role of the client's project", refusedRole);
  // ZITADEL issues refresh tokens for offline_access without prompt=consent (the provider drops it then).
  if (
    ctx.oidc.route === 'authorization' &&
    requestedScope(ctx).includes('offline_access') &&
    client.grantTypeAllowed('refresh_token') &&
    !scopes.includes('offline_access')
  )
    scopes.push('offline_access');
  scopes = await checkOrgScopes(instanceId, scopes, info, strictness);
  await checkNamedTargets(instanceId, scopes, strictness);
  if (ctx.oidc.route !== 'token' && info.projectRoleAssertion)
    scopes = withAssertedRoleScopes(scopes, info.projectRoleKeys);
  return scopes;
}

/**
 * The resource indicators feature, used only to carry the reserved scopes: `defaultResource` checks and cleans the
 * request's scopes and names the reserved resource when some are left; `getResourceServerInfo` accepts that resource
 * alone, and only for requests cleaned so.
 */
export function reservedScopeResource(instanceId: string): ResourceIndicators {
  return {
    enabled: true,
    async defaultResource(ctx, client, oneOf) {
      if (oneOf) return oneOf.includes(RESERVED_RESOURCE) ? RESERVED_RESOURCE : oneOf;
      if (!client || !SCOPE_ROUTES.has(ctx.oidc.route)) return undefined;
      const scopes = await sanitizedScopes(ctx, client, instanceId);
      ctx.oidc.params!.scope = scopes.length ? scopes.join(' ') : undefined;
      sanitized.add(ctx.oidc);
      return scopes.some(isReservedScope) ? RESERVED_RESOURCE : undefined;
    },
    async getResourceServerInfo(ctx, resource, client) {
      // Resource indicators of the client's own choosing are not supported: only the virtual one.
      if (resource !== RESERVED_RESOURCE || !mayUseReservedResource(ctx)) throw new errors.InvalidTarget();
      const sources = [ctx.oidc.params?.scope, ...REDEEMED_MODELS.map((name) => ctx.oidc.entities[name]?.scope)];
      const scope = allowedScopes(
        sources.filter((value): value is string => typeof value === 'string').join(' '),
        'any',
      ).join(' ');
      return { scope, audience: client.clientId, accessTokenFormat: 'opaque' };
    },
    useGrantedResource: () => false,
  };
}
