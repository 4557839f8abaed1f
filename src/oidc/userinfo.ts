import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import getErrorHandler from 'oidc-provider/lib/shared/error_handler.js';
import { FormTooLargeError, readForm, soleValue } from '../platform/form-body.ts';
import { activeAccountClaims } from './claims.ts';
import { clientInfo } from './clients.ts';
import type { InstanceRecord } from './tenants.ts';

function bearerError(ctx: Context, issuer: string, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('WWW-Authenticate', `Bearer realm="${issuer}", error="${error}", error_description="${description}"`);
  ctx.body = { error, error_description: description };
}

/** RFC 6750 §2.1 and §2.2: a bearer token in the Authorization header, or as `access_token` in a form body. */
async function bearerToken(ctx: Context): Promise<string | undefined> {
  const header = ctx.get('authorization');
  const value = /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
  if (value || ctx.method !== 'POST' || !ctx.is('application/x-www-form-urlencoded')) return value;
  return soleValue(await readForm(ctx.req), 'access_token');
}

/** The names the authorization request's `claims` parameter asked for at userinfo (carried by the access token). */
function requestedUserinfoClaims(claims: unknown): string[] {
  const userinfoMember = (claims as { userinfo?: unknown } | undefined)?.userinfo;
  return userinfoMember && typeof userinfoMember === 'object' ? Object.keys(userinfoMember) : [];
}

/** 9.13.3 lib/helpers/initialize_app.js routes the library's userinfo through `error('userinfo.error')`. */
const answerLikeLibraryUserinfo = getErrorHandler('userinfo.error');

/**
 * Castellan's userinfo endpoint (docs/zitadel-behaviour.md §6): ZITADEL's access tokens carry an audience and are
 * still valid at userinfo, which the provider's own endpoint refuses. Claims are the live ones (roles always). It is a
 * step in front of the provider's router (oidc/library-overrides.ts), outside the library's error handler: a failure
 * (a database error, an action that may not fail) is handed to that handler as the library's own userinfo would, for
 * an OAuth `server_error` answer and the provider's `server_error` event (logged: oidc/server-errors.ts). The request's
 * OIDC context, which the handler reads, is made then only, as the router's `ensureOIDC` makes it.
 */
export async function userinfo(ctx: Context, provider: Provider, instance: InstanceRecord): Promise<void> {
  try {
    await answerUserinfo(ctx, provider, instance);
  } catch (error) {
    const failed = ctx as KoaContextWithOIDC & { _matchedRouteName?: string };
    failed._matchedRouteName = 'userinfo';
    Object.defineProperty(failed, 'oidc', { value: new provider.OIDCContext(failed) });
    await answerLikeLibraryUserinfo(failed, () => Promise.reject(error));
  }
}

async function answerUserinfo(ctx: Context, provider: Provider, instance: InstanceRecord): Promise<void> {
  const fail = (status: number, error: string, description: string) =>
    bearerError(ctx, instance.issuer, status, error, description);
  ctx.set('Cache-Control', 'no-store');
  let value;
  try {
    value = await bearerToken(ctx);
  } catch (error) {
    if (error instanceof FormTooLargeError) return fail(400, 'invalid_request', 'the request body is too large');
    throw error;
  }
  if (!value) return fail(401, 'invalid_token', 'no access token provided');
  const token = await provider.AccessToken.find(value);
  if (!token?.isValid || token.isSenderConstrained()) return fail(401, 'invalid_token', 'invalid access token');
  if (!token.scopes.has('openid')) return fail(403, 'insufficient_scope', 'access token missing openid scope');
  const grant = token.grantId ? await provider.Grant.find(token.grantId) : undefined;
  const client = token.clientId ? await provider.Client.find(token.clientId) : undefined;
  if (!grant || !client || grant.clientId !== token.clientId || grant.accountId !== token.accountId)
    return fail(401, 'invalid_token', 'invalid access token');
  const claims = await activeAccountClaims(instance, token.accountId, {
    scope: token.scope,
    target: 'userinfo',
    client: clientInfo(client),
    requestedClaims: requestedUserinfoClaims(token.claims),
  });
  if (!claims) return fail(401, 'invalid_token', 'no active user');
  ctx.body = { sub: token.accountId, ...claims };
}
