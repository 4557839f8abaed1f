import type { Context } from 'koa';
import type { AccessToken, ClientCredentials, KoaContextWithOIDC, RefreshToken } from 'oidc-provider';
import type Provider from 'oidc-provider';
import introspectionActions from 'oidc-provider/lib/actions/introspection.js';
import als from 'oidc-provider/lib/helpers/als.js';
import { findToken } from 'oidc-provider/lib/helpers/token_find.js';
import cors from 'oidc-provider/lib/shared/cors.js';
import getErrorHandler from 'oidc-provider/lib/shared/error_handler.js';
import { introspectionClaims } from './introspection.ts';
import { admitsIntrospectingCaller, introspectedAudience } from './token-policies.ts';
import type { InstanceRecord } from './tenants.ts';

/** The fields every introspectable model has (@types/oidc-provider declares each model on its own). */
type IntrospectableToken = (AccessToken | ClientCredentials | RefreshToken) & {
  grantId?: string | undefined;
  accountId?: string | undefined;
  extra?: Record<string, unknown> | undefined;
};
type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/** The kinds lib/actions/introspection.js describes (its `introspectable`); any other token found is inactive. */
const INTROSPECTABLE = new Set(['AccessToken', 'ClientCredentials', 'RefreshToken']);

/**
 * 9.13.3 lib/actions/introspection.js: the endpoint's middleware list up to its answer (`renderTokenResponse`, the
 * last): no-store, the body, the parameters, client authentication (with Castellan's replacements,
 * oidc/library-overrides.ts), duplicate parameters, `token` present, structured tokens refused, the JWT response.
 */
function libraryChecks(): Middleware[] {
  const answer = introspectionActions.at(-1);
  if (answer?.name !== 'renderTokenResponse')
    throw new Error('oidc-provider: the introspection endpoint no longer ends with renderTokenResponse');
  return introspectionActions.slice(0, -1);
}

const DONE = Promise.resolve();

/**
 * The middlewares run in turn, each given the next, as koa runs a route's list (koa-compose: koa's dependency). Each
 * step returns its middleware's own promise: an async step would add a promise of its own per middleware, eleven per
 * introspection.
 */
function inTurn(middlewares: Middleware[]): (ctx: KoaContextWithOIDC) => Promise<void> {
  return (ctx) => {
    const step = (index: number): Promise<void> => {
      const middleware = middlewares[index];
      return middleware ? middleware(ctx, () => step(index + 1)) : DONE;
    };
    return step(0);
  };
}

/**
 * 9.13.3 lib/helpers/initialize_app.js routes introspection through `error('introspection.error')` and `CORS.client`
 * (`cors` with these options: POST, client based, an hour, `WWW-Authenticate` exposed, as DPoP and attestation-based
 * client authentication are off, oidc/configuration.ts).
 */
const clientCors = cors({ allowMethods: 'POST', clientBased: true, maxAge: 3600, exposeHeaders: 'WWW-Authenticate' });

/**
 * Castellan's introspection endpoint (RFC 7662, docs/zitadel-behaviour.md §6), answered in front of the provider's
 * router as userinfo is (oidc/userinfo.ts): the library's own middlewares authenticate the client and check the
 * request, then one pass finds the token, checks it as lib/actions/introspection.js `renderTokenResponse` does (its
 * grant, then the caller's audience, Castellan's `features.introspection.allowedPolicy`) and describes it with the
 * user's live claims and ZITADEL audience: the library's answer and Castellan's additions (oidc/introspection.ts),
 * the token's client looked up once for both. Of the library's checks, those of features Castellan leaves off are not
 * repeated: attestation-bound refresh tokens, pairwise subjects, rich authorization requests.
 */
export function castellanIntrospection(provider: Provider, instance: InstanceRecord): (ctx: Context) => Promise<void> {
  async function describeToken(ctx: KoaContextWithOIDC): Promise<void> {
    const { params, client: caller } = ctx.oidc;
    ctx.body = { active: false };
    const found = await findToken(provider, String(params?.token), params?.token_type_hint as string | undefined);
    if (!found?.isValid || !caller || !INTROSPECTABLE.has(found.kind)) return;
    const token = found as IntrospectableToken;
    if (token.grantId) {
      const grant = await provider.Grant.find(token.grantId, { ignoreExpiration: true });
      if (!grant || grant.isExpired || grant.clientId !== token.clientId || grant.accountId !== token.accountId) return;
      ctx.oidc.entity('Grant', grant);
    }
    ctx.oidc.entity(token.kind, token);
    const owner = token.clientId === caller.clientId ? caller : await provider.Client.find(token.clientId ?? '');
    if (!owner) return;
    const aud = introspectedAudience(instance, token, owner);
    if (!admitsIntrospectingCaller(aud, caller)) return;
    const described = await introspectionClaims(instance, { caller, owner }, token);
    if (!described) return;
    ctx.body = {
      active: true,
      sub: described.sub,
      ...token.extra,
      client_id: token.clientId,
      exp: token.exp,
      iat: token.iat,
      sid: 'sid' in token ? token.sid : undefined,
      iss: provider.issuer,
      jti: token.jti !== params?.token ? token.jti : undefined,
      aud,
      scope: token.scope || undefined,
      cnf: token.isSenderConstrained() ? { 'x5t#S256': token['x5t#S256'], jkt: token.jkt } : undefined,
      token_type: token.kind !== 'RefreshToken' ? token.tokenType : undefined,
      ...described.claims,
    };
  }

  const handle = inTurn([getErrorHandler('introspection.error'), clientCors, ...libraryChecks(), describeToken]);

  // What the router's `ensureOIDC` (lib/helpers/initialize_app.js) does for a route: the request's OIDC context,
  // named after the route, and the request as the provider's current one (`Provider.ctx`).
  return (koaCtx) => {
    const ctx = koaCtx as KoaContextWithOIDC & { _matchedRouteName?: string };
    ctx._matchedRouteName = 'introspection';
    Object.defineProperty(ctx, 'oidc', { value: new provider.OIDCContext(ctx) });
    return als.run(ctx, () => handle(ctx));
  };
}
