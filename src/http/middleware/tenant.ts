import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { Tenant, TenantRegistry } from '../../oidc/tenants.ts';
import { HttpError } from './errors.ts';
import { withInstanceCookies } from './instance-cookies.ts';

/**
 * The host that selects the request's instance: X-Forwarded-Host (its first value) when the peer is one of the
 * configured trusted proxies, else the Host header. Anyone else's X-Forwarded-Host is ignored.
 */
function selectingHost(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  const forwarded = trustedProxies.has(req.socket.remoteAddress ?? '')
    ? (String(req.headers['x-forwarded-host'] ?? '').split(',')[0] ?? '').trim()
    : '';
  return forwarded || (req.headers.host ?? '');
}

/** The request's instance when it is served (active), else null: no instance at this host, or not active. */
export function servedTenantFinder(
  tenants: TenantRegistry,
  trustedProxies: readonly string[],
): (req: IncomingMessage) => Promise<Tenant | null> {
  const trusted = new Set(trustedProxies);
  return async (req) => {
    const tenant = await tenants.forHost(selectingHost(req, trusted));
    return tenant && tenant.instance.state === 'active' ? tenant : null;
  };
}

/** Puts the request's instance (ctx.state.tenant) in place for everything below it; only an active one is served. */
export function tenantResolver(tenants: TenantRegistry, trustedProxies: readonly string[]) {
  const servedTenant = servedTenantFinder(tenants, trustedProxies);
  return async function resolveTenant(ctx: Context, next: Next): Promise<void> {
    const tenant = await servedTenant(ctx.req);
    if (!tenant) throw new HttpError(404, 'No instance is served at this host');
    ctx.state.tenant = tenant;
    await withInstanceCookies(tenant.cookieKeys, next);
  };
}

/** The host and protocol of the issuer last addressed: parsing a URL per request was measurable (most hit one). */
let lastAddressed = { issuer: '', host: '', protocol: '' };

/**
 * Makes the request look addressed to the issuer before the provider sees it: node-oidc-provider builds every
 * URL it emits (discovery, redirects, form actions) from the request's host and protocol, which the client
 * chooses. Only the Host header's instance selection is the client's.
 */
export function addressToIssuer(req: IncomingMessage, issuer: string): void {
  if (lastAddressed.issuer !== issuer) {
    const url = new URL(issuer);
    lastAddressed = { issuer, host: url.host, protocol: url.protocol.slice(0, -1) };
  }
  req.headers.host = lastAddressed.host;
  // Read instead of Host when the provider trusts proxy headers (an https issuer, behind TLS termination).
  req.headers['x-forwarded-host'] = lastAddressed.host;
  req.headers['x-forwarded-proto'] = lastAddressed.protocol;
}
