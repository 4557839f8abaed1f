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

/** Koa's own request runner (what `app.callback()` runs per request); not in koa's type declarations. */
type KoaRunner = Koa & {
  handleRequest(ctx: Koa.Context, middleware: (ctx: Koa.Context) => Promise<void>): Promise<void>;
};

/** POSTs the app's middleware sees before the provider: form posts made GETs, client authentication throttles. */
const FRONTED_POSTS = new Set<string>([...FORM_POST_PATHS, ...CLIENT_AUTH_PATHS, ROUTES.code_verification]);

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

  async function serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    removeUntrustedForwarding(req);
    setSecurityHeaders(res);
    let tenant: Tenant | null;
    try {
      tenant = await servedTenant(req);
    } catch {
      tenant = null;
    }
    if (!tenant) return appHandler(req, res);
    if (timed) timeProviderRequest(req, res, path);
    if (req.method === 'POST' && FRONTED_POSTS.has(providerRoutePath(path))) {
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
    serve(req, res, path).catch((error: unknown) => failed(req, res, path, error));
  };
}

/** The end of the app's chain for the instance's provider: the provider answers on the request itself. */
export async function answerByProvider(ctx: Koa.Context): Promise<void> {
  const { tenant } = ctx.state as { tenant: Tenant };
  ctx.respond = false;
  addressToIssuer(ctx.req, tenant.instance.issuer);
  await tenant.handle(ctx.req, ctx.res);
}
