/**
 * OAuth 2.0 Token Exchange (RFC 8693) as ZITADEL implements it behind its feature flag (internal/api/oidc/
 * token_exchange.go; https://zitadel.com/docs/guides/integrate/token-exchange): an authenticated app with the grant
 * exchanges a subject token of this instance for an access token (opaque or JWT) or an ID token, for the same user or,
 * with an actor token, for the actor acting as the subject (`act`, RFC 8693 §4.1). The instance setting
 * `features.tokenExchange` turns it on; impersonation also needs `security.enableImpersonation` and an impersonator
 * role (domain/rules/token-exchange.ts). Audience and scopes are never wider than the input tokens'.
 */
import { decodeJwt } from 'jose';
import { errors, type Account, type AccessToken, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { instanceSettings } from '../../domain/commands/instance-settings.ts';
import { allowedScopes, splitScope } from '../../domain/rules/scopes.ts';
import { narrowAudience, narrowScopes, type ImpersonationDecision } from '../../domain/rules/token-exchange.ts';
import { impersonationDecision, recordTokenExchange } from '../../domain/token-exchange.ts';
import { accountFinder } from '../accounts.ts';
import { clientInfo } from '../clients.ts';
import { originOf } from '../observe.ts';
import { addProviderStep } from '../provider-steps.ts';
import type { TenantKeys } from '../tenant-keys.ts';
import type { InstanceRecord } from '../tenants.ts';
import {
  ACTOR_TOKEN_TYPES,
  InvalidExchangeInput,
  readExchangeInput,
  SUBJECT_TOKEN_TYPES,
  TOKEN_TYPE,
  type ExchangeInput,
  type InputContext,
} from './exchange-inputs.ts';
import { shapeExchangedToken, type ActorClaim } from './exchanged-tokens.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** RFC 8693 §2.1; `resource` only to refuse it, as ZITADEL does (Castellan's resource indicators are internal). */
const PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'audience',
  'resource',
  'scope',
];

/** RFC 8693 §2.2.1 `token_type` of an ID token in `access_token`: it cannot be used as one (ZITADEL's TokenTypeNA). */
const NOT_APPLICABLE = 'N_A';

const REFUSALS: Record<Exclude<ImpersonationDecision, 'allowed'>, string> = {
  disabled: 'impersonation is disabled by the instance security settings',
  'not-an-impersonator': 'the actor may not impersonate users of the subject’s organization',
  'subject-is-an-admin': 'the actor may not impersonate administrators',
};

export interface TokenExchangeContext {
  instance: InstanceRecord;
  keys: TenantKeys;
}

/** ZITADEL answers a permission denied with `invalid_request` and HTTP 403 (internal/api/oidc/error.go). */
function forbidden(description: string): errors.InvalidRequest {
  return new errors.InvalidRequest(description, 403);
}

function values(param: unknown): string[] {
  if (Array.isArray(param)) return param.filter((value): value is string => typeof value === 'string' && !!value);
  return typeof param === 'string' && param ? [param] : [];
}

/** RFC 8693 §2.2.2: an invalid subject or actor token (unknown, expired, revoked, foreign) is `invalid_request`. */
async function readInput(
  name: 'subject_token' | 'actor_token',
  read: () => Promise<ExchangeInput>,
): Promise<ExchangeInput> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidExchangeInput) throw new errors.InvalidRequest(`${name} invalid: ${error.message}`);
    throw error;
  }
}

/** The actor's identity in the new token: the actor token's user, having itself acted for whoever its `act` names. */
function actorClaim(issuer: string, actor: ExchangeInput): ActorClaim {
  return actor.act ? { iss: issuer, sub: actor.userId, act: actor.act } : { iss: issuer, sub: actor.userId };
}

/** The ID token of an exchange: its `aud` is the exchange's audience and the client (oidc/id-tokens.ts), `act`. */
async function issueIdToken(
  ctx: KoaContextWithOIDC,
  account: Account,
  { scope, exchange }: { scope: string | undefined; exchange: Exchange },
  accessToken?: string,
): Promise<string> {
  const token = new ctx.oidc.provider.IdToken(
    { ...(await account.claims('id_token', scope ?? '', {}, [])), sub: account.accountId },
    { ctx },
  );
  // The scopes whose standard claims it carries (lib/models/id_token.js `payload`); @types/oidc-provider lacks it.
  (token as { scope?: string }).scope = scope;
  shapeExchangedToken(token, { audience: exchange.audience, format: 'jwt', act: exchange.act });
  if (exchange.act) token.set('act', exchange.act);
  if (accessToken) token.set('at_hash', accessToken);
  return token.issue({ use: 'idtoken' });
}

interface Exchange {
  subject: ExchangeInput;
  requestedType: string;
  audience: string[];
  scope: string[];
  act: ActorClaim | undefined;
}

/**
 * ZITADEL issues a refresh token with an exchanged access token when the exchange keeps `offline_access`
 * (`createExchangeAccessToken`, internal/api/oidc/token_exchange.go). It keeps the exchange's audience and actor
 * (oidc/library-overrides-tokens.ts): refreshed tokens are no wider, and stay impersonation tokens.
 */
async function issueRefreshToken(ctx: KoaContextWithOIDC, accessToken: AccessToken, exchange: Exchange) {
  const token = new ctx.oidc.provider.RefreshToken({
    accountId: accessToken.accountId,
    client: ctx.oidc.client!,
    grantId: accessToken.grantId!,
    gty: 'token_exchange',
    scope: accessToken.scope!,
  });
  Object.assign(token, { act: exchange.act });
  ctx.oidc.entity('RefreshToken', token);
  return token.save();
}

/** The token response (RFC 8693 §2.2.1; ZITADEL adds `id_token` when `openid` is granted). */
async function issueTokens(ctx: KoaContextWithOIDC, instance: InstanceRecord, exchange: Exchange) {
  const { provider } = ctx.oidc;
  const client = ctx.oidc.client!;
  const account = await accountFinder(instance)(ctx, exchange.subject.userId);
  if (!account) throw new errors.InvalidRequest('subject_token invalid: the token names no active user');
  ctx.oidc.entity('Account', account);
  const scope = exchange.scope.join(' ') || undefined;
  if (exchange.requestedType === TOKEN_TYPE.idToken) {
    const idToken = await issueIdToken(ctx, account, { scope, exchange });
    const expiresIn = (decodeJwt(idToken).exp ?? 0) - Math.floor(Date.now() / 1000);
    return {
      access_token: idToken,
      issued_token_type: TOKEN_TYPE.idToken,
      token_type: NOT_APPLICABLE,
      scope,
      expires_in: expiresIn,
    };
  }
  // The grant the token lives by, as every user token does: userinfo and introspection look for it.
  const grant = new provider.Grant({ accountId: account.accountId, clientId: client.clientId });
  if (scope) grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const token = new provider.AccessToken({
    accountId: account.accountId,
    client,
    grantId,
    gty: 'token_exchange',
    scope,
  });
  shapeExchangedToken(token, {
    audience: exchange.audience,
    format: exchange.requestedType === TOKEN_TYPE.jwt ? 'jwt' : 'opaque',
    act: exchange.act,
  });
  ctx.oidc.entity('AccessToken', token);
  const value = await token.save();
  const refreshToken = exchange.scope.includes('offline_access') ? await issueRefreshToken(ctx, token, exchange) : null;
  return {
    access_token: value,
    refresh_token: refreshToken ?? undefined,
    issued_token_type: exchange.requestedType,
    token_type: token.tokenType,
    expires_in: token.expiration,
    scope,
    id_token: exchange.scope.includes('openid')
      ? await issueIdToken(ctx, account, { scope, exchange }, value)
      : undefined,
  };
}

const REQUESTED_TYPES = new Set<string>([TOKEN_TYPE.accessToken, TOKEN_TYPE.jwt, TOKEN_TYPE.idToken]);

async function exchangeTokens(ctx: KoaContextWithOIDC, { instance, keys }: TokenExchangeContext): Promise<void> {
  const settings = await instanceSettings(instance._id);
  if (!settings.features.tokenExchange) throw new errors.UnsupportedGrantType();
  const client = ctx.oidc.client!;
  if (client.clientAuthMethod === 'none')
    throw new errors.UnauthorizedClient('token exchange requires an authenticated client');
  const params = ctx.oidc.params as Record<string, unknown>;
  if (values(params.resource).length) throw new errors.InvalidTarget('resource parameter not supported');
  const requestedType = values(params.requested_token_type)[0] ?? TOKEN_TYPE.accessToken;
  if (!REQUESTED_TYPES.has(requestedType)) throw new errors.InvalidRequest('requested_token_type not supported');

  const inputs: InputContext = { ctx, instance, keys, client };
  const subjectType = params.subject_token_type;
  const subject = await readInput('subject_token', () =>
    readExchangeInput(inputs, params.subject_token, subjectType, SUBJECT_TOKEN_TYPES),
  );
  // ZITADEL: a user id or self-signed JWT subject is only ever impersonated, and any actor token impersonates.
  const actorPath =
    subjectType === TOKEN_TYPE.userId || subjectType === TOKEN_TYPE.jwt || params.actor_token !== undefined;
  if (actorPath && !settings.security.enableImpersonation) throw forbidden(REFUSALS.disabled);
  const actor = actorPath
    ? await readInput('actor_token', () =>
        readExchangeInput(inputs, params.actor_token, params.actor_token_type, ACTOR_TOKEN_TYPES),
      )
    : subject;

  const audience = narrowAudience(values(params.audience), subject.audience, actor.audience);
  if ('refused' in audience)
    throw new errors.InvalidTarget(`audience ${audience.refused} is not in the subject or actor token`);
  const requestedScopes = splitScope(values(params.scope).join(' '));
  const scopes = narrowScopes({
    requested: requestedScopes,
    subject: subject.scopes,
    actor: actor.scopes ?? [],
    actorPath,
  });
  if ('refused' in scopes)
    throw new errors.InvalidScope(`scope ${scopes.refused} is not in the subject or actor token`, scopes.refused);
  if (actorPath) {
    const decision = await impersonationDecision(instance._id, actor.userId, subject);
    if (decision !== 'allowed') throw forbidden(REFUSALS[decision]);
  }

  // `offline_access` gives a refresh token only to an app with the refresh grant (as at the authorization endpoint),
  // and only with an access token.
  const refreshable = client.grantTypeAllowed('refresh_token') && requestedType !== TOKEN_TYPE.idToken;
  const scope = allowedScopes(scopes.values, clientInfo(client).projectRoleKeys).filter(
    (value) => value !== 'offline_access' || refreshable,
  );
  const act = actorPath ? actorClaim(instance.issuer, actor) : subject.act;
  ctx.body = await issueTokens(ctx, instance, { subject, requestedType, audience: audience.values, scope, act });
  await recordTokenExchange({
    instanceId: instance._id,
    subject: { userId: subject.userId, orgId: subject.orgId },
    actor: { userId: actor.userId, orgId: actor.orgId },
    impersonation: actorPath,
    issuedTokenType: requestedType,
    scope,
    audience: audience.values,
    origin: originOf(ctx),
  });
}

/**
 * Discovery lists the grant only while the instance enables it (ZITADEL: only with the feature flag on). The provider
 * lists every registered grant (lib/actions/discovery.js); the grant is registered once per provider, the setting
 * changes at any time.
 */
function advertiseWhileEnabled(provider: Provider, instanceId: string): void {
  addProviderStep(provider, 'GET', '/.well-known/openid-configuration', async (ctx, next) => {
    await next();
    if (ctx.status !== 200) return;
    const body = ctx.body as { grant_types_supported?: string[] } | undefined;
    if (!body?.grant_types_supported || (await instanceSettings(instanceId)).features.tokenExchange) return;
    body.grant_types_supported = body.grant_types_supported.filter((grant) => grant !== TOKEN_EXCHANGE_GRANT);
  });
}

/** Registers the grant on one instance's provider (oidc/provider.ts). */
export function registerTokenExchange(provider: Provider, context: TokenExchangeContext): void {
  provider.registerGrantType(TOKEN_EXCHANGE_GRANT, (ctx) => exchangeTokens(ctx, context), PARAMETERS, [
    'audience',
    'resource',
  ]);
  advertiseWhileEnabled(provider, context.instance._id);
}
