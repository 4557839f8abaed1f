import Router from '@koa/router';
import { servedLogo } from '../domain/branding-logos.ts';
import { BRANDING_ASSETS_PATH } from '../domain/rules/branding-logos.ts';
import type { Tenant } from '../oidc/tenants.ts';
import { HttpError } from './middleware/errors.ts';

/**
 * Whatever a logo holds, its response runs nothing: an SVG opened directly is a document that could carry script, so
 * every logo is served under a policy with no script, no fetch and a sandbox (inline styles only, which SVGs use),
 * with its type as stored (sniffed from its bytes at upload) and `nosniff`. Pages show logos through `<img>` only,
 * never inlined, where browsers run no SVG script anyway.
 */
const LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/**
 * `GET /assets/v1/branding/{policyId}/{logo|logo-dark}-{hash}`: a logo version of the request's instance. The hash in
 * the path changes with the bytes, so a version is cached for a year as immutable. Readable from other origins
 * (Cross-Origin-Resource-Policy): a logo is public, and the console's sandboxed preview frame has an opaque origin.
 */
export function brandingAssetRoutes(): Router {
  const router = new Router({ prefix: BRANDING_ASSETS_PATH });
  router.get('/:policyId/:file', async (ctx) => {
    const { tenant } = ctx.state as { tenant: Tenant };
    const logo = await servedLogo(tenant.instance, ctx.params.policyId ?? '', ctx.params.file ?? '');
    if (!logo) throw new HttpError(404, 'No such resource');
    ctx.set('content-security-policy', LOGO_CSP);
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('cross-origin-resource-policy', 'cross-origin');
    ctx.set('cache-control', 'public, max-age=31536000, immutable');
    ctx.type = logo.contentType;
    ctx.body = logo.data;
  });
  return router;
}
