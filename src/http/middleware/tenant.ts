import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { TenantRegistry } from '../../oidc/tenants.ts';
import { HttpError } from './errors.ts';
import { withInstanceCookies } from './instance-cookies.ts';

/**
 * The host that selects the request's instance: X-Forwarded-Host (its first value) when the peer is one of the
 * configured trusted proxies, else the Host header. Anyone else's X-Forwarded-Host is ignored.
 */
function selectingHost(ctx: Context, trustedProxies: ReadonlySet<string>): string {
  const forwarded = trustedProxies.has(ctx.req.socket.remoteAddress ?? '')
    ? (ctx.get('x-forwarded-host').split(',')[0] ?? '').trim()
    : '';
  return forwarded || ctx.get('host');
}

/** Puts the request's instance (ctx.state.tenant) in place for everything below it; only an active one is served. */
export function tenantResolver(tenants: TenantRegistry, trustedProxies: readonly string[]) {
  const trusted = new Set(trustedProxies);
  return async function resolveTenant(ctx: Context, next: Next): Promise<void> {
    const tenant = await tenants.forHost(selectingHost(ctx, trusted));
    if (!tenant || tenant.instance.state !== 'active') throw new HttpError(404, 'No instance is served at this host');
    ctx.state.tenant = tenant;
    await withInstanceCookies(tenant.cookieKeys, next);
  };
}

/**
 * Makes the request look addressed to the issuer before the provider sees it: node-oidc-provider builds every
 * URL it emits (discovery, redirects, form actions) from the request's host and protocol, which the client
 * chooses. Only the Host header's instance selection is the client's.
 */
export function addressToIssuer(req: IncomingMessage, issuer: string): void {
  const url = new URL(issuer);
  req.headers.host = url.host;
  // Read instead of Host when the provider trusts proxy headers (an https issuer, behind TLS termination).
  req.headers['x-forwarded-host'] = url.host;
  req.headers['x-forwarded-proto'] = url.protocol.slice(0, -1);
}
