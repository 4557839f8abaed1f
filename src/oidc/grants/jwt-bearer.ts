import type { Context, Next } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { resolveRequestedResources, validateClientScope } from 'oidc-provider/lib/helpers/grant_authorization.js';
import { buildTokenResponse } from 'oidc-provider/lib/helpers/grant_response.js';
import { FormTooLargeError, handOnForm, providerBoundForm } from '../../platform/form-body.ts';
import { clientInfo, JWT_BEARER_GATE_CLIENT_ID, JWT_BEARER_GRANT } from '../clients.ts';
import { ROUTES } from '../configuration.ts';
import { addProviderStep } from '../provider-steps.ts';
import type { KeyBinding } from '../token-binding.ts';
import type { InstanceRecord } from '../tenants.ts';
import { verifyJwtProfileAssertion } from './jwt-profile-assertion.ts';

/** What authenticates a client in a token request's body (lib/shared/client_auth.js); `client_id` alone does not. */
const CLIENT_CREDENTIALS = ['client_secret', 'client_assertion'] as const;

/**
 * ZITADEL's SDKs send the JWT bearer grant without client authentication, and ZITADEL takes the assertion's subject as
 * the client; node-oidc-provider authenticates a client before any grant (lib/actions/token.js). So such a request
 * enters under the gate client (oidc/clients.ts), whose only use is this grant, and the grant continues as the
 * assertion's user once it has verified the assertion. A `client_id` sent along is replaced (it authenticates nothing,
 * RFC 7521 §4.2). A request that authenticates a client goes on unchanged, and is refused: no client that can
 * authenticate has the grant.
 */
async function admitUnauthenticatedJwtBearer(ctx: Context, next: Next): Promise<void> {
  // HTTP Basic authenticates a client: the request goes on unchanged, and the provider reads its body itself, once
  // (reading and re-encoding every token request's body here cost a refresh 1% of a worker's CPU).
  if (ctx.get('authorization') || !ctx.is('application/x-www-form-urlencoded')) return next();
  let form;
  try {
    form = await providerBoundForm(ctx.req);
  } catch (error) {
    if (!(error instanceof FormTooLargeError)) throw error;
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: 'failed to parse the request body' };
    return;
  }
  const unauthenticated = !ctx.get('authorization') && CLIENT_CREDENTIALS.every((name) => !form.has(name));
  if (form.get('grant_type') === JWT_BEARER_GRANT && unauthenticated) form.set('client_id', JWT_BEARER_GATE_CLIENT_ID);
  handOnForm(ctx.req, form);
  return next();
}

/** The machine user's client (oidc/clients.ts, client id = user id), active with its org, for a verified assertion. */
async function machineClient(ctx: KoaContextWithOIDC, userId: string) {
  const client = await ctx.oidc.provider.Client.find(userId);
  if (!client || clientInfo(client).userId !== userId || !client.grantTypeAllowed(JWT_BEARER_GRANT))
    throw new errors.InvalidGrant('the assertion names no active machine user');
  return client;
}

/**
 * The grant (RFC 7523 §2.1), as lib/actions/grants/client_credentials.js issues a token, for the assertion's machine
 * user: the same scopes and reserved scopes as its client credentials (oidc/reserved-scopes.ts), its access token
 * type, and a binding to the user and the key (oidc/token-binding.ts), so removing either ends the token.
 */
async function jwtBearerGrant(ctx: KoaContextWithOIDC, instance: InstanceRecord): Promise<void> {
  const { provider } = ctx.oidc;
  const assertion = ctx.oidc.params?.assertion;
  if (typeof assertion !== 'string' || !assertion)
    throw new errors.InvalidRequest("missing required parameter 'assertion'");
  const { userId, keyId } = await verifyJwtProfileAssertion(instance, assertion);
  const client = await machineClient(ctx, userId);
  ctx.oidc.entity('Client', client);

  const resourceServers = await resolveRequestedResources(provider, ctx);
  const scopes = [...validateClientScope(provider, ctx)];
  const token = new provider.ClientCredentials({ client, scope: scopes.join(' ') || undefined });
  (token as { binding?: KeyBinding }).binding = { sub: userId, keyId };
  const [resourceServer, ...others] = resourceServers;
  if (others.length) throw new errors.InvalidTarget('only a single resource indicator value is supported');
  if (resourceServer) {
    token.resourceServer = resourceServer;
    const allowed = new Set(resourceServer.scope.split(' '));
    token.scope = scopes.filter((scope) => allowed.has(scope)).join(' ') || undefined;
  }
  ctx.oidc.entity('ClientCredentials', token);
  const value = await token.save();
  ctx.body = buildTokenResponse(provider, {
    accessToken: value,
    expiresIn: token.expiration,
    scope: token.scope || undefined,
    tokenType: token.tokenType,
  });
}

/** Registers the JWT bearer grant on an instance's provider; discovery lists it in `grant_types_supported`. */
export function registerJwtBearerGrant(provider: Provider, instance: InstanceRecord): void {
  // The client_credentials grant's parameters, with resource indicators (the reserved scopes' carrier) as it has them.
  provider.registerGrantType(
    JWT_BEARER_GRANT,
    (ctx) => jwtBearerGrant(ctx, instance),
    ['assertion', 'scope', 'resource'],
    ['resource'],
  );
  addProviderStep(provider, 'POST', ROUTES.token, admitUnauthenticatedJwtBearer);
}
