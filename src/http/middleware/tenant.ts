import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { TenantRegistry } from '../../oidc/tenants.ts';
import { HttpError } from './errors.ts';

/** Puts the request's instance (ctx.state.tenant) in place for everything below it. */
export function tenantResolver(tenants: TenantRegistry) {
  return async function resolveTenant(ctx: Context, next: Next): Promise<void> {
    const tenant = await tenants.forHost(ctx.request.host);
    if (!tenant || tenant.instance.state !== 'active') throw new HttpError(404, 'No instance is served at this host');
    ctx.state.tenant = tenant;
    await next();
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
