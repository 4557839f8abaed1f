import Koa from 'koa';
import { errorHandler } from './middleware/errors.ts';
import { apiRoutes } from './routes/api/index.ts';
import { tenantResolver } from './middleware/tenant.ts';
import { demoRoutes } from './routes/demo.ts';
import { healthRoutes } from './routes/health.ts';
import { interactionRoutes } from './routes/interaction.ts';
import type { Services } from './services.ts';
import { cookieSigner } from './queries/secrets.ts';
import type { Tenant } from './tenants/registry.ts';

export function createApp(services: Services): Koa {
  const app = new Koa({ proxy: new URL(services.config.publicUrl).protocol === 'https:' });
  // Must equal the provider's cookie keys, or interaction cookies set by the provider cannot be read here.
  app.keys = cookieSigner(services.masterKey);
  app.use(errorHandler(services.log));
  const health = healthRoutes();
  app.use(health.routes());
  app.use(tenantResolver(services.tenants));
  app.use(interactionRoutes(services).routes());
  app.use(demoRoutes(services).routes());
  app.use(apiRoutes(services).routes());
  // Whatever no route of ours answered belongs to the instance's OIDC provider (discovery, authorize, token, …).
  app.use(async (ctx) => {
    const { tenant } = ctx.state as { tenant: Tenant };
    ctx.respond = false;
    await tenant.handle(ctx.req, ctx.res);
  });
  return app;
}
