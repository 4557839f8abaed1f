import type { Context } from 'koa';
import { policyOf } from '../domain/login.ts';
import { brandingFrom } from '../domain/rules/branding.ts';
import type { Tenant } from '../oidc/tenants.ts';
import { renderView } from '../platform/templates.ts';

/** Renders a page that belongs to no org (the demo, org sign-up) in the instance's branding, never cached. */
export function renderInstancePage(ctx: Context, view: string, status: number, context: Record<string, unknown>): void {
  const { tenant } = ctx.state as { tenant: Tenant };
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.body = renderView(ctx.res, view, {
    branding: brandingFrom(policyOf(tenant.instance, null), tenant.instance.name),
    ...context,
  });
}
