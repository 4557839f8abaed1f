import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Services } from '../../oidc/services.ts';
import { openApiPaths, problemSchema, type OpenApiRoute } from '../api/openapi.ts';
import { HttpError } from '../middleware/errors.ts';
import { systemAuthenticator } from './authenticate.ts';
import { systemEventRoutes } from './events.ts';
import { instanceSettingsRoutes } from './instance-settings.ts';
import { instanceRoutes } from './instances.ts';
import { runSystemRoute, type SystemRoute } from './route.ts';

export const SYSTEM_PREFIX = '/system/v1';

const SYSTEM_ROUTES: readonly SystemRoute[] = [...instanceRoutes, ...instanceSettingsRoutes, ...systemEventRoutes];

const ERRORS: Record<number, string> = {
  400: 'Invalid input (names the field)',
  401: 'Missing or invalid system JWT',
  403: "The operator's roles lack the permission",
  404: 'No such instance or domain',
  409: 'A domain belongs to another instance, the primary domain cannot go, or the instance is being removed',
  413: 'The request body is larger than the configured limit',
  415: 'The request body is not application/json',
  503: 'The database is unavailable: retry later',
};

function errorStatuses(systemRoute: OpenApiRoute): number[] {
  return [
    ...(systemRoute.body || systemRoute.query ? [400] : []),
    401,
    403,
    ...(systemRoute.path.includes('{') ? [404] : []),
    ...(systemRoute.method === 'get' ? [] : [409]),
    ...(systemRoute.body ? [413, 415] : []),
    503,
  ];
}

export function systemOpenApiDocument(routes: readonly SystemRoute[], serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Castellan System API',
      version: '1.0.0',
      description:
        'For the operator of the whole deployment: create, change, deactivate and remove instances, their domains ' +
        'and settings; read what happened to them.',
    },
    servers: [{ url: serverUrl }],
    security: [{ systemJwt: [] }],
    components: {
      securitySchemes: {
        systemJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT the operator signs with the private key of a configured system user (CASTELLAN_SYSTEM_USERS): ' +
            'iss and sub its name, aud the system audience, iat and a short exp',
        },
      },
      schemas: { Problem: problemSchema },
    },
    paths: openApiPaths(routes, errorStatuses, ERRORS),
  };
}

/** `/instances/{instanceId}` → `/instances/:instanceId`. */
function koaPath(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

/**
 * The System API (ZITADEL's system API): not an instance's, so served on any host before the tenant resolver, and
 * only to operators holding a configured key. Its URLs are the deployment's public URL.
 */
export function systemRoutes(services: Services): Router {
  const authenticate = systemAuthenticator(services.config);
  const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: services.config.maxBodyBytes, encoding: 'utf-8' });
  const router = new Router({ prefix: SYSTEM_PREFIX });
  router.get('/openapi.json', (ctx) => {
    ctx.body = systemOpenApiDocument(SYSTEM_ROUTES, `${services.config.publicUrl}${SYSTEM_PREFIX}`);
  });
  for (const systemRoute of SYSTEM_ROUTES) {
    router[systemRoute.method](koaPath(systemRoute.path), async (ctx) => {
      const caller = await authenticate(ctx);
      if (systemRoute.body) {
        if (ctx.request.length && !ctx.is('application/json'))
          throw new HttpError(415, 'the request body must be application/json');
        await parseJson(ctx, async () => {});
      }
      await runSystemRoute(systemRoute, ctx, caller, services);
    });
  }
  router.all('/{*rest}', () => {
    throw new HttpError(404, 'No such resource');
  });
  return router;
}
