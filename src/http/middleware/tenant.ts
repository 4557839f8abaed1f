import type { Context, Next } from 'koa';
import type { TenantRegistry } from '../../oidc/tenants.ts';
import { HttpError } from './errors.ts';

/** Puts the request's instance (ctx.state.tenant) in place for everything below it. */
export function tenantResolver(tenants: TenantRegistry) {
  return async function resolveTenant(ctx: Context, next: Next): Promise<void> {
    const tenant = await tenants.forHost(ctx.request.host);
    if (!tenant || tenant.instance.state !== 'active') throw new HttpError(404, 'No instance is served at this host');
    ctx.state.tenant = tenant;
    await next();
  };
}
