import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { FormTooLargeError, readForm, soleValue } from '../platform/form-body.ts';
import { isCompactJwt } from '../platform/jwt-id.ts';
import type { JwtResolver } from './adapter.ts';
import { activeAccountClaims } from './claims.ts';
import { clientInfo } from './clients.ts';
import type { InstanceRecord } from './tenants.ts';
import { boundUserId } from './token-binding.ts';
import { audienceOf } from './token-policies.ts';

/**
 * Before the provider reads an introspection or revocation request: a JWT access token in `token` becomes its `jti`,
 * under which it is stored (the provider refuses JWTs there). The body, read here, is handed on as `req.body`, which
 * the provider then parses as if it had read it. False when the request is answered here: a body over the limit,
 * refused as the provider refuses one (lib/shared/selective_body.js).
 */
export async function replaceJwtByJti(ctx: Context, resolveJwt: JwtResolver): Promise<boolean> {
  if (!ctx.is('application/x-www-form-urlencoded')) return true;
  // Read already by the throttles in front of the provider (http/middleware/provider-throttles.ts), or not yet.
  const read = (ctx.req as IncomingMessage & { body?: unknown }).body;
  let form;
  try {
    form = typeof read === 'string' ? new URLSearchParams(read) : await readForm(ctx.req);
  } catch (error) {
    if (!(error instanceof FormTooLargeError)) throw error;
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: 'failed to parse the request body' };
    return false;
  }
  const token = soleValue(form, 'token');
  const jti = token && isCompactJwt(token) ? await resolveJwt(token) : null;
  if (jti) form.set('token', jti);
  (ctx.req as IncomingMessage & { body?: string }).body = form.toString();
  return true;
}

/**
 * After the provider answered an introspection request: an active token is described with the live claims of its
 * user (roles for the introspecting client's project, docs/zitadel-behaviour.md §6) and its ZITADEL audience; a
 * token whose user or client is no longer active is not.
 */
export async function addIntrospectionClaims(ctx: KoaContextWithOIDC, instance: InstanceRecord): Promise<void> {
  const body = ctx.body as Record<string, unknown> | undefined;
  const caller = ctx.oidc.client;
  if (!body?.active || !caller) return;
  const { entities } = ctx.oidc;
  const token = entities.AccessToken ?? entities.ClientCredentials ?? entities.RefreshToken;
  const owner =
    token?.clientId === caller.clientId ? caller : await ctx.oidc.provider.Client.find(token?.clientId ?? '');
  const ownerInfo = owner ? clientInfo(owner) : null;
  // A client-credentials token names the machine user it is bound to (oidc/token-binding.ts), not today's namesake.
  const subject = token && 'accountId' in token ? token.accountId : token && boundUserId(token);
  const claims =
    token && ownerInfo
      ? await activeAccountClaims(instance, subject, {
          scope: token.scope,
          target: 'introspection',
          client: ownerInfo,
          currentProjectId: clientInfo(caller).projectId,
        })
      : null;
  if (!token || !ownerInfo || !claims) {
    ctx.body = { active: false };
    return;
  }
  body.sub = subject;
  body.aud ??= audienceOf(instance, token, ownerInfo);
  Object.assign(body, claims);
}
