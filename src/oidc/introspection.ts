import type { Context } from 'koa';
import type { AccessToken, Client, ClientCredentials, RefreshToken } from 'oidc-provider';
import { FormTooLargeError, handOnForm, providerBoundForm, soleValue } from '../platform/form-body.ts';
import { isCompactJwt } from '../platform/jwt-id.ts';
import type { JwtResolver } from './adapter.ts';
import { activeAccountClaims } from './claims.ts';
import { clientInfo } from './clients.ts';
import type { InstanceRecord } from './tenants.ts';
import { boundUserId } from './token-binding.ts';

/**
 * Before the provider reads an introspection or revocation request: a JWT access token in `token` becomes its `jti`,
 * under which it is stored (the provider refuses JWTs there). The body, read here, is handed on as `req.body`, which
 * the provider then parses as if it had read it. False when the request is answered here: a body over the limit,
 * refused as the provider refuses one (lib/shared/selective_body.js).
 */
export async function replaceJwtByJti(ctx: Context, resolveJwt: JwtResolver): Promise<boolean> {
  if (!ctx.is('application/x-www-form-urlencoded')) return true;
  let form;
  try {
    // Read already by the throttles in front of the provider (http/middleware/provider-throttles.ts), or not yet.
    form = await providerBoundForm(ctx.req);
  } catch (error) {
    if (!(error instanceof FormTooLargeError)) throw error;
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: 'failed to parse the request body' };
    return false;
  }
  const token = soleValue(form, 'token');
  const jti = token && isCompactJwt(token) ? await resolveJwt(token) : null;
  if (jti) form.set('token', jti);
  handOnForm(ctx.req, form);
  return true;
}

/**
 * What an introspection adds to the library's description of an active token (docs/zitadel-behaviour.md §6): its
 * subject and the live claims of its user, with the roles for the introspecting client's project; null when its user
 * is no longer active (the token is then not active either).
 */
export async function introspectionClaims(
  instance: InstanceRecord,
  { caller, owner }: { caller: Client; owner: Client },
  token: AccessToken | ClientCredentials | RefreshToken,
): Promise<{ sub: string | undefined; claims: Record<string, unknown> } | null> {
  // A client-credentials token names the machine user it is bound to (oidc/token-binding.ts), not today's namesake.
  const subject = 'accountId' in token ? token.accountId : (boundUserId(token) ?? undefined);
  const claims = await activeAccountClaims(instance, subject, {
    scope: token.scope,
    target: 'introspection',
    client: clientInfo(owner),
    currentProjectId: clientInfo(caller).projectId,
  });
  return claims ? { sub: subject, claims } : null;
}
