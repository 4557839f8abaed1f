import type Router from '@koa/router';
import type Koa from 'koa';

/** What @koa/router's `routes()` returns: the dispatching middleware, which names its router. */
type RouterMiddleware = Koa.Middleware & { router?: Router };

/** Where a path-to-regexp path stops being literal (parameters, wildcards, groups, modifiers). */
const PATTERN_START = /[:*({?+]/;

/** A request path as the tests below compare it: lower case, without trailing slashes. */
function comparable(path: string): string {
  const lower = path.toLowerCase();
  return lower.endsWith('/') ? lower.replace(/\/+$/, '') : lower;
}

/**
 * A quick test that says "no route of this router can match" for most paths: the literal paths of its routes and the
 * literal beginnings of the others, compared without case (routers match without case unless told otherwise) and
 * without trailing slashes (non-strict routers accept one). It may say yes where the router finds nothing (its own
 * match decides then), never no where a route matches. Null when a route's path is not a string (a RegExp). It takes
 * the path already made `comparable`, once for all routers (a lower-case copy per router was 2% of what a token
 * request allocated, bench/README.md "Allocations").
 */
function couldMatch(router: Router): ((path: string) => boolean) | null {
  const literal = new Set<string>();
  const beginnings: string[] = [];
  for (const layer of router.stack) {
    // Middleware layers (`router.use`) run only along a route that matched (@koa/router `Router#match`).
    if (layer.methods.length === 0) continue;
    if (typeof layer.path !== 'string') return null;
    const path = layer.path.toLowerCase();
    const patternAt = path.search(PATTERN_START);
    if (patternAt < 0) literal.add(path.replace(/\/+$/, ''));
    // An optional group may begin with the slash (`/users{/:id}` matches `/users`): the beginning without it.
    else beginnings.push(path.slice(0, patternAt).replace(/\/+$/, ''));
  }
  // The path without its trailing slashes starts with a beginning exactly when the path itself does: a beginning
  // never ends with a slash.
  return (path) => {
    if (literal.has(path)) return true;
    for (const beginning of beginnings) if (path.startsWith(beginning)) return true;
    return false;
  };
}

/**
 * Lets each router of the app see only the requests one of its routes could match. @koa/router tests a request
 * against every route's regular expression, so a request for the instance's provider (token, introspection, userinfo,
 * answered at the end of the chain, http/app.ts) went through every route of every router first: 4% of a worker's
 * CPU under the refresh bench (bench/README.md, "Refresh"). A router that matches nothing calls the next middleware
 * and records nothing Castellan reads (only `_matchedRoute`, set on a match, http/metrics.ts), so skipping it changes
 * no answer. Applies to the routers mounted so far.
 */
export function skipRoutersOnOtherPaths(app: Koa): void {
  app.middleware = app.middleware.map((middleware: RouterMiddleware) => {
    const router = middleware.router;
    if (!router) return middleware;
    let test: ((path: string) => boolean) | null | undefined;
    return (ctx, next) => {
      // Decided at the first request, once every route is registered.
      if (test === undefined) test = couldMatch(router);
      return test === null || test(comparable(ctx.path)) ? middleware(ctx, next) : next();
    };
  });
}

/**
 * Whether a route of one of the app's routers (mounted so far, and not yet wrapped by skipRoutersOnOtherPaths) could
 * match the path: where none can, the request is the provider's (http/provider-requests.ts). The same test as
 * skipRoutersOnOtherPaths makes, so the two never disagree.
 */
export function anyRouterCouldMatch(app: Koa): (path: string) => boolean {
  const routers = app.middleware.flatMap((middleware: RouterMiddleware) =>
    middleware.router ? [middleware.router] : [],
  );
  let tests: Array<((path: string) => boolean) | null> | undefined;
  return (requestPath) => {
    // Decided at the first request, once every route is registered.
    tests ??= routers.map(couldMatch);
    const path = comparable(requestPath);
    for (const test of tests) if (test === null || test(path)) return true;
    return false;
  };
}
