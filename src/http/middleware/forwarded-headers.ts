import type { Middleware } from 'koa';

const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'] as const;

/**
 * X-Forwarded-* headers count only from the configured trusted proxies (`TRUSTED_PROXIES`): from any other peer they
 * are removed before koa (`ctx.ip`, `ctx.protocol`), the tenant resolver or the provider read them. Otherwise a client
 * that reaches the server directly would choose the address its per-IP throttles and audit events count
 * (http/middleware/rate-limit.ts), whatever koa's `proxy` setting says.
 */
export function untrustedForwardingRemoved(trustedProxies: readonly string[]): Middleware {
  const trusted = new Set(trustedProxies);
  return async (ctx, next) => {
    if (!trusted.has(ctx.req.socket.remoteAddress ?? ''))
      for (const header of FORWARDING_HEADERS) delete ctx.req.headers[header];
    await next();
  };
}
