import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware, Next } from 'koa';
import { ROUTES } from '../oidc/configuration.ts';
import { collectProcessMetrics, exposition, histogram } from '../platform/metrics.ts';
import type { Logger } from '../platform/logger.ts';

const requestDuration = histogram(
  'castellan_http_request_duration_seconds',
  'HTTP requests by route template, method and status (a _count per series is the request count)',
  ['route', 'method', 'status'],
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
);

/** The provider's endpoints by name: a path at or below one of them is labelled with its name. */
const PROVIDER_ROUTES: Array<[string, string]> = [
  ['discovery', '/.well-known/openid-configuration'],
  ...Object.entries(ROUTES).map(([name, path]): [string, string] => [name, path]),
];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * A bounded label for the request: our routers' matched template (`/api/v1/orgs/:orgId`), the name of a provider
 * endpoint, or 'other' (unknown paths must not create series).
 */
export function routeLabel(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  const found = PROVIDER_ROUTES.find(([, path]) => ctx.path === path || ctx.path.startsWith(`${path}/`));
  return found?.[0] ?? 'other';
}

/** Times every request until its response is sent, including those the provider answers itself (ctx.respond off). */
export function requestMetrics(): Middleware {
  collectProcessMetrics();
  return async (ctx: Context, next: Next) => {
    const end = requestDuration.startTimer();
    ctx.res.once('close', () =>
      end({
        route: routeLabel(ctx),
        method: METHODS.has(ctx.method) ? ctx.method : 'other',
        status: String(ctx.res.statusCode),
      }),
    );
    await next();
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * GET /metrics (Prometheus text format) for a caller with `Authorization: Bearer <metrics.token>`; without a
 * configured token the route does not exist (404).
 */
export function metricsEndpoint(token: string | null, log: Logger): Middleware {
  const expected = token ? digest(token) : null;
  return async (ctx: Context, next: Next) => {
    if (ctx.path !== '/metrics' || ctx.method !== 'GET' || !expected) return next();
    const sent = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1];
    if (!sent || !timingSafeEqual(digest(sent), expected)) {
      ctx.status = 401;
      ctx.set('www-authenticate', 'Bearer realm="metrics"');
      ctx.body = 'unauthorized\n';
      return;
    }
    try {
      const { contentType, text } = await exposition();
      ctx.type = contentType;
      ctx.set('cache-control', 'no-store');
      ctx.body = text;
    } catch (error) {
      log.error({ err: error }, 'metrics could not be collected');
      ctx.status = 503;
      ctx.body = 'metrics unavailable\n';
    }
  };
}
