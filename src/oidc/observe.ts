import type { KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { recordLogout, recordRevocation } from '../domain/login-audit.ts';
import type { Logger } from '../platform/logger.ts';
import { counter } from '../platform/metrics.ts';
import type { RequestOrigin } from '../store/queries/events.ts';
import { clientInfo } from './clients.ts';
import { ROUTES } from './configuration.ts';
import { addProviderStep } from './provider-steps.ts';
import type { InstanceRecord } from './tenants.ts';

const grants = counter('castellan_token_grants_total', 'Token endpoint requests by instance, grant type and outcome', [
  'instance',
  'grant_type',
  'outcome',
]);

/** grant_type is the caller's: only the ones a provider knows become a label value, the rest 'other'. */
const GRANT_TYPES = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'urn:openid:params:grant-type:ciba',
]);

function grantType(ctx: KoaContextWithOIDC): string {
  const value = ctx.oidc?.params?.grant_type;
  return typeof value === 'string' && GRANT_TYPES.has(value) ? value : 'other';
}

/** Where a request came from, for its audit event. */
export function originOf(ctx: KoaContextWithOIDC): RequestOrigin {
  // The provider's koa app trusts X-Forwarded-For exactly when `provider.proxy` is set (oidc/provider.ts).
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, clientId: ctx.oidc?.client?.clientId ?? null };
}

/**
 * Metrics and audit events of one instance's provider: token grants by type and outcome (its events), logouts (its
 * end_session.success event) and revocations (after the revocation endpoint answered 200 for a token it found).
 */
export function observeProvider(provider: Provider, instance: InstanceRecord, log: Logger): void {
  const instanceId = instance._id;
  const audit = (what: string, write: Promise<void>) =>
    write.catch((error: unknown) => log.error({ err: error, instanceId }, `audit event for ${what} not recorded`));
  provider.on('grant.success', (ctx: KoaContextWithOIDC) =>
    grants.inc({ instance: instanceId, grant_type: grantType(ctx), outcome: 'success' }),
  );
  provider.on('grant.error', (ctx: KoaContextWithOIDC) =>
    grants.inc({ instance: instanceId, grant_type: grantType(ctx), outcome: 'error' }),
  );
  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.session?.accountId;
    if (accountId) void audit('a logout', recordLogout(instanceId, accountId, originOf(ctx)));
  });
  addProviderStep(provider, 'POST', ROUTES.revocation, async (koaCtx, next) => {
    await next();
    const ctx = koaCtx as KoaContextWithOIDC;
    if (ctx.status !== 200) return;
    const { oidc } = ctx;
    const token = oidc?.entities.AccessToken ?? oidc?.entities.RefreshToken ?? oidc?.entities.ClientCredentials;
    if (!token || !oidc.client) return;
    const userId = ('accountId' in token ? token.accountId : undefined) ?? clientInfo(oidc.client).userId;
    if (userId) await audit('a revocation', recordRevocation(instanceId, userId, token.kind, originOf(ctx)));
  });
}
