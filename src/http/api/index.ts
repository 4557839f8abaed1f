import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { loadRolePermissions } from '../../domain/role-permissions.ts';
import type { RolePermissions } from '../../domain/rules/permissions.ts';
import { apiAuthenticator } from './authenticate.ts';
import { HttpError } from '../middleware/errors.ts';
import type { Throttles } from '../middleware/rate-limit.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { appKeyRoutes } from './app-keys.ts';
import { applicationRoutes } from './applications.ts';
import { eventRoutes } from './events.ts';
import { instanceSettingsRoutes } from './instance-settings.ts';
import { instanceLifetimeRoutes } from './instance-lifetimes.ts';
import { instanceFeatureRoutes } from './instance-features.ts';
import { loginPolicyRoutes } from './login-policy.ts';
import { machineCredentialRoutes } from './machine-credentials.ts';
import { machineKeyRoutes } from './machine-keys.ts';
import { memberRoutes } from './members.ts';
import { openApiDocument } from './openapi.ts';
import { orgRoutes } from './orgs.ts';
import { projectGrantRoutes } from './project-grants.ts';
import { projectRoleRoutes } from './project-roles.ts';
import { projectRoutes } from './projects.ts';
import type { ApiRoute } from './route.ts';
import { runRoute } from './run.ts';
import { userGrantRoutes } from './user-grants.ts';
import { userMfaRoutes } from './user-mfa.ts';
import { userMetadataRoutes } from './user-metadata.ts';
import { userRoutes } from './users.ts';
import { userSearchRoutes } from './user-search.ts';
import { userSessionRoutes } from './user-sessions.ts';
import { userEmailRoutes } from './user-email.ts';
import { smtpRoutes } from './smtp.ts';
import { orgDomainRoutes } from './org-domains.ts';
import { tokenLifetimeRoutes } from './token-lifetimes.ts';
import { orgLookupRoutes } from './org-lookup.ts';
import { actionRoutes } from './actions.ts';
import { flowRoutes } from './flows.ts';
import { webhookRoutes } from './webhooks.ts';
import { identityProviderRoutes } from './idps.ts';
import { userLinkRoutes } from './user-links.ts';
import { brandingLogoRoutes } from './branding-logos.ts';

export const API_PREFIX = '/api/v1';

export { loadRolePermissions };

export function apiRouteTable(mapping: RolePermissions): ApiRoute[] {
  return [
    ...orgRoutes,
    ...loginPolicyRoutes,
    ...orgDomainRoutes,
    ...userRoutes,
    ...userSearchRoutes,
    ...userEmailRoutes,
    ...machineCredentialRoutes,
    ...machineKeyRoutes,
    ...userMetadataRoutes,
    ...userSessionRoutes,
    ...userMfaRoutes,
    ...projectRoutes,
    ...projectRoleRoutes,
    ...applicationRoutes,
    ...projectGrantRoutes,
    ...appKeyRoutes,
    ...userGrantRoutes,
    ...memberRoutes(mapping),
    ...eventRoutes,
    ...instanceSettingsRoutes,
    ...instanceLifetimeRoutes,
    ...instanceFeatureRoutes,
    ...smtpRoutes,
    ...tokenLifetimeRoutes,
    ...orgLookupRoutes,
    ...actionRoutes,
    ...flowRoutes,
    ...webhookRoutes,
    ...identityProviderRoutes,
    ...userLinkRoutes,
    ...brandingLogoRoutes,
  ];
}

/** `/orgs/{orgId}` → `/orgs/:orgId`. */
function koaPath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

/** The management API: JSON in, JSON or problem+json out, every route authenticated and authorized (run.ts). */
export function apiRoutes(services: Services, throttles: Throttles): Router {
  const mapping = loadRolePermissions();
  const routes = apiRouteTable(mapping);
  const authenticate = apiAuthenticator(services, mapping);
  const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: services.config.maxBodyBytes, encoding: 'utf-8' });
  const router = new Router({ prefix: API_PREFIX });

  router.get('/openapi.json', (ctx) => {
    const { tenant } = ctx.state as { tenant: Tenant };
    ctx.body = openApiDocument(routes, `${tenant.instance.issuer}${API_PREFIX}`);
  });
  // Fewer path parameters first (a stable sort): `/users/_by-login-name/{x}` wins over `/users/{userId}/metadata`.
  const ordered = [...routes].sort((a, b) => a.path.split('{').length - b.path.split('{').length);
  for (const apiRoute of ordered) {
    router[apiRoute.method](koaPath(apiRoute.path), async (ctx) => {
      const caller = await authenticate(ctx);
      const { tenant } = ctx.state as { tenant: Tenant };
      const refusal = await throttles.consume(tenant.instance._id, ['apiRequestsPerCaller', caller.userId]);
      if (refusal) {
        throttles.refuse(ctx, refusal);
        throw new HttpError(429, `Too many requests from this caller; retry after ${refusal.seconds} seconds`);
      }
      if (apiRoute.body) {
        if (ctx.request.length && !ctx.is('application/json'))
          throw new HttpError(415, 'the request body must be application/json');
        await parseJson(ctx, async () => {});
      }
      await runRoute(apiRoute, ctx, caller, services);
    });
  }
  router.all('/{*rest}', () => {
    throw new HttpError(404, 'No such resource');
  });
  return router;
}
