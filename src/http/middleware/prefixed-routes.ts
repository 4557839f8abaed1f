import type Router from '@koa/router';
import type { Middleware } from 'koa';

/**
 * A router's middleware, skipped without matching for paths outside its prefix. @koa/router tests the pattern of every
 * route of a router on each request that reaches it (`Router.match`), prefix or not: the provider's requests
 * (authorize, token, …), which no router of ours owns, paid for every route of the management API, the console and
 * SCIM. The prefix's static part (before a parameter such as `:uid`) is compared without case, as the routes' patterns
 * are (path-to-regexp's `sensitive: false`, the router's default).
 */
export function prefixedRoutes(router: Router): Middleware {
  const routes = router.routes() as unknown as Middleware;
  const prefix = (router.opts.prefix ?? '').split(':')[0]!.toLowerCase();
  if (!prefix) return routes;
  return (ctx, next) => (ctx.path.toLowerCase().startsWith(prefix) ? routes(ctx, next) : next());
}
