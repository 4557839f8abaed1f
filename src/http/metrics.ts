import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/** The name of the provider endpoint at or above the path, or 'other'. */
function providerRouteLabel(path: string): string {
  const found = PROVIDER_ROUTES.find(([, route]) => path === route || path.startsWith(`${route}/`));
  return found?.[0] ?? 'other';
}

/**
 * A bounded label for the request: our routers' matched template (`/api/v1/orgs/:orgId`), the name of a provider
 * endpoint, or 'other' (unknown paths must not create series).
 */
export function routeLabel(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' ? matched : providerRouteLabel(ctx.path);
}

function timeResponse(res: ServerResponse, method: string | undefined, route: () => string): void {
  const end = requestDuration.startTimer();
  res.once('close', () =>
    end({
      route: route(),
      method: method && METHODS.has(method) ? method : 'other',
      status: String(res.statusCode),
    }),
  );
}

/** Times every request until its response is sent, including those the provider answers itself (ctx.respond off). */
export function requestMetrics(): Middleware {
  collectProcessMetrics();
  return async (ctx: Context, next: Next) => {
    timeResponse(ctx.res, ctx.method, () => routeLabel(ctx));
    await next();
  };
}

/** The same for a request the provider answers without the app's middleware (http/provider-requests.ts). */
export function timeProviderRequest(req: IncomingMessage, res: ServerResponse, path: string): void {
  timeResponse(res, req.method, () => providerRouteLabel(path));
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
