import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';

const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'] as const;

/**
 * X-Forwarded-* headers count only from the configured trusted proxies (`TRUSTED_PROXIES`): from any other peer they
 * are removed before koa (`ctx.ip`, `ctx.protocol`), the tenant resolver or the provider read them. Otherwise a client
 * that reaches the server directly would choose the address its per-IP throttles and audit events count
 * (http/middleware/rate-limit.ts), whatever koa's `proxy` setting says.
 */
export function untrustedForwardingRemover(trustedProxies: readonly string[]): (req: IncomingMessage) => void {
  const trusted = new Set(trustedProxies);
  return (req) => {
    if (!trusted.has(req.socket.remoteAddress ?? ''))
      for (const header of FORWARDING_HEADERS) delete req.headers[header];
  };
}

/** The same, as the koa app's middleware. */
export function untrustedForwardingRemoved(trustedProxies: readonly string[]): Middleware {
  const remove = untrustedForwardingRemover(trustedProxies);
  return async (ctx, next) => {
    remove(ctx.req);
    await next();
  };
}
