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

function served(tenant: Tenant | null): Tenant | null {
  return tenant && tenant.instance.state === 'active' ? tenant : null;
}

/**
 * The request's instance when it is served (active), else null: no instance at this host, or not active. Found
 * without a promise while nothing about it changed (TenantRegistry.forHostAtOnce), else through the async look-up.
 */
export function servedTenantFinder(
  tenants: TenantRegistry,
  trustedProxies: readonly string[],
): (req: IncomingMessage) => Tenant | null | Promise<Tenant | null> {
  const trusted = new Set(trustedProxies);
  return (req) => {
    const host = selectingHost(req, trusted);
    const known = tenants.forHostAtOnce(host);
    return known ? served(known) : tenants.forHost(host).then(served);
  };
}

/** Puts the request's instance (ctx.state.tenant) in place for everything below it; only an active one is served. */
export function tenantResolver(tenants: TenantRegistry, trustedProxies: readonly string[]) {
  const servedTenant = servedTenantFinder(tenants, trustedProxies);
  const enter = (ctx: Context, next: Next, tenant: Tenant | null): Promise<unknown> => {
    if (!tenant) throw new HttpError(404, 'No instance is served at this host');
    ctx.state.tenant = tenant;
    return withInstanceCookies(tenant.cookieKeys, next);
  };
  // Not async: koa's compose turns a throw into a rejection (koa-compose 4 `dispatch`), and an instance found at once
  // goes on to the next middleware without a microtask.
  return function resolveTenant(ctx: Context, next: Next): Promise<unknown> {
    const found = servedTenant(ctx.req);
    return found instanceof Promise ? found.then((tenant) => enter(ctx, next, tenant)) : enter(ctx, next, found);
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
