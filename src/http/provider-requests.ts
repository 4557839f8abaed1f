import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type Koa from 'koa';
import { providerRoutePath, ROUTES } from '../oidc/configuration.ts';
import type { Services } from '../oidc/services.ts';
import type { Tenant } from '../oidc/tenants.ts';
import { timeProviderRequest } from './metrics.ts';
import { errorHandler } from './middleware/errors.ts';
import { untrustedForwardingRemover } from './middleware/forwarded-headers.ts';
import { FORM_POST_PATHS, formPostAsGet } from './middleware/post-requests.ts';
import { CLIENT_AUTH_PATHS, providerThrottles } from './middleware/provider-throttles.ts';
import type { Throttles } from './middleware/rate-limit.ts';
import { securityHeaderSetter } from './middleware/security-headers.ts';
import { addressToIssuer, servedTenantFinder } from './middleware/tenant.ts';

type ContextMiddleware = (ctx: Koa.Context) => Promise<void>;
type ProviderHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Koa's own request runner (what `app.callback()` runs per request: koa 3.3 lib/application.js `callback`,
 * `handleRequest`) and the composer it builds an app's chain with; not in koa's type declarations.
 */
type KoaRunner = Koa & {
  handleRequest(ctx: Koa.Context, middleware: ContextMiddleware): Promise<void>;
  compose(middleware: Koa.Middleware[]): ContextMiddleware;
  ctxStorage?: unknown;
};

/** POSTs the app's middleware sees before the provider in an app context: form posts made GETs, device codes. */
const FRONTED_POSTS = new Set<string>([...FORM_POST_PATHS, ROUTES.code_verification]);

/** Characters after which parseurl (koa's `ctx.path`) parses a URL in full rather than cutting it at `?`. */
const NOT_PLAIN = /[\t\n\f\r #\u00a0\ufeff]/;

/** The path koa would see (`ctx.path`), or null where finding it takes more than cutting at `?` (koa decides then). */
function plainPath(url: string | undefined): string | null {
  if (!url || url.charCodeAt(0) !== 0x2f) return null;
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return NOT_PLAIN.test(path) ? null : path;
}

/**
 * The lean path of the instance's provider (discovery, token, introspection, userinfo, keys, authorize, logout):
 * requests on a path none of the app's routes could match go straight to the provider's own koa app, without a
 * second koa context and the app's middleware chain (http/app.ts) in front of it, which cost a discovery request
 * more CPU than the provider's answer (bench/README.md, "Refresh" → "The lean path"). What that chain did for them
 * is done here, in the same order and by the same code: X-Forwarded-* headers of untrusted peers removed, the
 * security headers (computed once), the request timed for /metrics, the instance found by host, then for the POSTs
 * the app checks before the provider (form posts to GET, client authentication throttles) those middlewares with
 * the app's error handler, in a koa context of the app's, as before. Anything else (no instance served at the host,
 * the database unreachable while looking it up, a path a route could match, /metrics) is handed to the whole app,
 * which answers it exactly as it always has.
 */
export function providerRequests(
  { app, routeCouldMatch }: { app: Koa; routeCouldMatch: (path: string) => boolean },
  services: Services,
  throttles: Throttles,
): RequestListener {
  const { config, log } = services;
  const appHandler = app.callback();
  const removeUntrustedForwarding = untrustedForwardingRemover(config.system.trustedProxies);
  const setSecurityHeaders = securityHeaderSetter(config.publicUrl);
  const servedTenant = servedTenantFinder(services.tenants, config.system.trustedProxies);
  const timed = Boolean(config.metrics.token);
  const [handleErrors, redirectFormPost, throttle] = [errorHandler(log), formPostAsGet(), providerThrottles(throttles)];
  const front = (ctx: Koa.Context) =>
    handleErrors(ctx, () => redirectFormPost(ctx, () => throttle(ctx, () => answerByProvider(ctx))));
  const throttledHandlers = new WeakMap<Tenant, ProviderHandler | null>();

  /**
   * The client authentication throttles and the app's error handler around the provider in the provider's own koa
   * context: one koa context where there were two (the app's, then the provider's inside it), and the same steps in
   * the same order. The throttles (http/middleware/provider-throttles.ts) read the method, path, headers, body, client
   * address and the answer's status, the same in either context; the provider answers as its own `callback()` does
   * (koa 3.3 `handleRequest`: its chain, its error handling, the response sent) before they count. A request they
   * answer themselves (refused, a body too large, the database down) is sent by the same koa code, with the status and
   * body they set. Null (the app's context then) where the provider reads the client's address otherwise than the
   * app (`proxy`), or runs its requests in an AsyncLocalStorage of its own.
   */
  function throttledHandler(tenant: Tenant): ProviderHandler | null {
    let handler = throttledHandlers.get(tenant);
    if (handler !== undefined) return handler;
    const provider = tenant.provider as unknown as KoaRunner;
    handler = null;
    if (provider.proxy === app.proxy && !provider.ctxStorage) {
      const answer = provider.compose(provider.middleware);
      handler = async (req, res) => {
        addressToIssuer(req, tenant.instance.issuer);
        const ctx = provider.createContext(req, res);
        ctx.state.tenant = tenant;
        let answered = false;
        await handleErrors(ctx, () =>
          throttle(ctx, () => {
            answered = true;
            return provider.handleRequest(ctx, answer);
          }),
        );
        if (answered) return;
        // koa's runner starts every answer at 404: the status (and body) set in front are put back inside it.
        const { status, body } = ctx;
        await provider.handleRequest(ctx, async (inner) => {
          inner.status = status;
          inner.body = body;
        });
      };
    }
    throttledHandlers.set(tenant, handler);
    return handler;
  }

  /** The instance found without waiting goes on at once; else (a look-up failed too) the whole app answers. */
  function serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    removeUntrustedForwarding(req);
    setSecurityHeaders(res);
    let found: Tenant | null | Promise<Tenant | null>;
    try {
      found = servedTenant(req);
    } catch {
      found = null;
    }
    if (!(found instanceof Promise)) return answer(req, res, path, found);
    return found.then(
      (tenant) => answer(req, res, path, tenant),
      () => answer(req, res, path, null),
    );
  }

  function answer(req: IncomingMessage, res: ServerResponse, path: string, tenant: Tenant | null): Promise<void> {
    if (!tenant) return appHandler(req, res);
    if (timed) timeProviderRequest(req, res, path);
    const route = req.method === 'POST' ? providerRoutePath(path) : null;
    const throttled = route !== null && CLIENT_AUTH_PATHS.has(route) ? throttledHandler(tenant) : null;
    if (throttled) return throttled(req, res);
    if (route !== null && (FRONTED_POSTS.has(route) || CLIENT_AUTH_PATHS.has(route))) {
      const ctx = app.createContext(req, res);
      ctx.state.tenant = tenant;
      return (app as KoaRunner).handleRequest(ctx, front);
    }
    addressToIssuer(req, tenant.instance.issuer);
    return tenant.handle(req, res);
  }

  // Koa catches what its handlers throw; this path's own steps run outside it, and a rejection left to Node would end
  // the process (its default for unhandled rejections): a failure here is one request's 500, as in the app.
  function failed(req: IncomingMessage, res: ServerResponse, path: string, error: unknown): void {
    log.error({ err: error, method: req.method, path }, 'request failed');
    if (res.headersSent) res.destroy();
    else res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"server_error"}');
  }

  return (req, res) => {
    const path = plainPath(req.url);
    if (path === null || path === '/metrics' || routeCouldMatch(path)) return appHandler(req, res);
    try {
      serve(req, res, path).catch((error: unknown) => failed(req, res, path, error));
    } catch (error) {
      failed(req, res, path, error);
    }
  };
}

/** The end of the app's chain for the instance's provider: the provider answers on the request itself. */
export async function answerByProvider(ctx: Koa.Context): Promise<void> {
  const { tenant } = ctx.state as { tenant: Tenant };
  ctx.respond = false;
  addressToIssuer(ctx.req, tenant.instance.issuer);
  await tenant.handle(ctx.req, ctx.res);
}
