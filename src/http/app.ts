import type { RequestListener } from 'node:http';
import Koa from 'koa';
import { errorHandler } from './middleware/errors.ts';
import { apiRoutes } from './api/index.ts';
import { scimRoutes } from './scim/index.ts';
import { systemRoutes } from './system/index.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { untrustedForwardingRemoved } from './middleware/forwarded-headers.ts';
import { tenantResolver } from './middleware/tenant.ts';
import { providerThrottles } from './middleware/provider-throttles.ts';
import { formPostAsGet } from './middleware/post-requests.ts';
import { Throttles } from './middleware/rate-limit.ts';
import { demoRoutes } from './demo.ts';
import { consoleRoutes } from './console/index.ts';
import { healthRoutes } from './health.ts';
import { metricsEndpoint, requestMetrics } from './metrics.ts';
import { accountRoutes } from './login/account.ts';
import { interactionRoutes } from './login/interaction.ts';
import { webauthnAssetRoutes } from './login/webauthn-assets.ts';
import { brandingAssetRoutes } from './branding-assets.ts';
import { emailLinkRoutes } from './login/email-link-pages.ts';
import { orgSignUpRoutes } from './login/org-signup.ts';
import { federationCallbackRoutes } from './login/federation-callbacks.ts';
import type { Services } from '../oidc/services.ts';
import { instanceCookieKeys } from './middleware/instance-cookies.ts';
import { anyRouterCouldMatch, skipRoutersOnOtherPaths } from './router-paths.ts';
import { answerByProvider, providerRequests } from './provider-requests.ts';

/**
 * The HTTP server's request handler: the koa app below, with requests for the instance's provider on a lean path
 * (http/provider-requests.ts) that skips what the app's chain would do for nothing on them.
 */
export function createRequestHandler(services: Services): RequestListener {
  const { app, throttles, routeCouldMatch } = createApp(services);
  return providerRequests({ app, routeCouldMatch }, services, throttles);
}

function createApp(services: Services): { app: Koa; throttles: Throttles; routeCouldMatch: (path: string) => boolean } {
  const app = new Koa({ proxy: new URL(services.config.publicUrl).protocol === 'https:' });
  // The request's instance's cookie keys, which its provider signs with too (interaction cookies are read here).
  app.keys = instanceCookieKeys;
  // Timing every request is work for /metrics alone: none without a metrics token.
  if (services.config.metrics.token) app.use(requestMetrics());
  app.use(untrustedForwardingRemoved(services.config.system.trustedProxies));
  app.use(securityHeaders(services.config.publicUrl));
  app.use(errorHandler(services.log));
  const health = healthRoutes();
  app.use(health.routes());
  app.use(metricsEndpoint(services.config.metrics.token, services.log));
  // The System API is the deployment's, not an instance's: it answers on any host, to operators only.
  app.use(systemRoutes(services).routes());
  app.use(tenantResolver(services.tenants, services.config.system.trustedProxies));
  const throttles = new Throttles(services.config.rateLimits, services.log);
  // Before the interaction routes: /ui/login/invite would otherwise be read as the login of interaction "invite".
  app.use(emailLinkRoutes(services).routes());
  app.use(orgSignUpRoutes(services, throttles).routes());
  app.use(federationCallbackRoutes(services).routes());
  app.use(interactionRoutes(services, throttles).routes());
  app.use(accountRoutes(services, throttles).routes());
  app.use(webauthnAssetRoutes().routes());
  app.use(brandingAssetRoutes().routes());
  app.use(demoRoutes(services).routes());
  app.use(consoleRoutes(services).routes());
  app.use(apiRoutes(services, throttles).routes());
  app.use(scimRoutes(services, throttles).routes());
  app.use(formPostAsGet());
  app.use(providerThrottles(throttles));
  // Whatever no route of ours answered belongs to the instance's OIDC provider (discovery, authorize, token, …).
  app.use(answerByProvider);
  const routeCouldMatch = anyRouterCouldMatch(app);
  skipRoutersOnOtherPaths(app);
  return { app, throttles, routeCouldMatch };
}
