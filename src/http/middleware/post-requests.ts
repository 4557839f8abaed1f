import type { Context, Next } from 'koa';
import { providerRoutePath, ROUTES } from '../../oidc/configuration.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { FormTooLargeError, readForm } from '../../platform/form-body.ts';
import { HttpError } from './errors.ts';

/** Endpoints a browser may reach with a form POST as well as with GET. */
export const FORM_POST_PATHS = new Set<string>([ROUTES.authorization, ROUTES.end_session]);

/**
 * POST at the authorization endpoint (OpenID Connect Core 1.0 §3.1.2.1) and at the end-session endpoint
 * (RP-Initiated Logout 1.0 §2): the form's parameters are sent back to the same endpoint as a GET (303 See Other).
 *
 * Why not the provider's own `enableHttpPostMethods`: it requires its session cookie to be `SameSite=None`
 * (lib/helpers/configuration.js, checkPostMethods), so that a cross-site POST carries it. Browsers drop such a cookie
 * when it is not `Secure`, which an http issuer cannot set, and it would ride along on every cross-site request. The
 * GET a 303 leads to is a top-level navigation, which carries the `SameSite=Lax` session cookie: the request is
 * answered exactly as the same request sent with GET (prompt=none finds the session).
 */
export function formPostAsGet() {
  return async function redirectFormPost(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !FORM_POST_PATHS.has(providerRoutePath(ctx.path))) return next();
    let form = new URLSearchParams();
    if (ctx.request.length || ctx.get('content-type')) {
      if (!ctx.is('application/x-www-form-urlencoded'))
        throw new HttpError(415, 'the request parameters are sent as a form (application/x-www-form-urlencoded)');
      try {
        form = await readForm(ctx.req);
      } catch (error) {
        if (error instanceof FormTooLargeError) throw new HttpError(413, error.message);
        throw error;
      }
    }
    const { tenant } = ctx.state as { tenant: Tenant };
    const query = form.size ? `?${form.toString()}` : '';
    ctx.status = 303;
    ctx.set('cache-control', 'no-store');
    ctx.redirect(`${new URL(tenant.instance.issuer).origin}${ctx.path}${query}`);
  };
}
