import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { findOrgRecord } from '../../domain/commands/orgs.ts';
import { notFound } from '../../domain/errors.ts';
import { loadRolePermissions } from '../../domain/role-permissions.ts';
import { SCIM_LIMITS } from '../../domain/scim/protocol.ts';
import type { Services } from '../../oidc/services.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { apiAuthenticator } from '../api/authenticate.ts';
import { HttpError } from '../middleware/errors.ts';
import type { Throttles } from '../middleware/rate-limit.ts';
import { bulkRoute } from './bulk.ts';
import { scimDiscoveryRoutes } from './discovery.ts';
import { scimErrorOf } from './errors.ts';
import { scimGroupRoutes } from './groups.ts';
import { runScim, type ScimResult, type ScimRoute } from './run.ts';
import { scimUserRoutes } from './users.ts';

export const SCIM_PREFIX = '/scim/v2';
const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** Every SCIM endpoint of an org, Bulk included (it dispatches to the others). */
export function scimRouteTable(): ScimRoute[] {
  const routes = [...scimDiscoveryRoutes, ...scimUserRoutes, ...scimGroupRoutes];
  return [...routes, bulkRoute(routes)];
}

/** Errors in SCIM's format (RFC 7644 §3.12), whatever failed: authentication, authorization, the handler. */
const scimErrors = (log: Logger) =>
  async function answerInScimFormat(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (error) {
      const { status, body } = scimErrorOf(error);
      if (status === 500) log.error({ err: error, method: ctx.method, path: ctx.path }, 'SCIM request failed');
      if (status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      // As the management API answers while the database is unavailable (http/middleware/errors.ts).
      if (status === 503) ctx.set('Retry-After', '1');
      ctx.status = status;
      ctx.type = SCIM_CONTENT_TYPE;
      ctx.body = body;
    }
  };

function respond(ctx: Context, result: ScimResult): void {
  ctx.status = result.status;
  if (result.version) ctx.set('ETag', result.version);
  if (result.location && result.status === 201) ctx.set('Location', result.location);
  if (result.body !== undefined) {
    ctx.type = SCIM_CONTENT_TYPE;
    ctx.body = result.body;
  }
}

/**
 * SCIM 2.0 (RFC 7643, RFC 7644) per organization at `/scim/v2/{orgId}`, as ZITADEL serves it: authenticated as the
 * management API is (a machine user's PAT or access token), authorized on the org before any handler runs.
 */
export function scimRoutes(services: Services, throttles: Throttles): Router {
  const authenticate = apiAuthenticator(services, loadRolePermissions());
  // application/scim+json is among the parser's JSON types already (extending them would replace application/json).
  const jsonParser = (jsonLimit: number) => bodyParser({ enableTypes: ['json'], jsonLimit, encoding: 'utf-8' });
  const parseJson = jsonParser(services.config.maxBodyBytes);
  // A Bulk request may be as large as ServiceProviderConfig advertises.
  const parseBulk = jsonParser(SCIM_LIMITS.maxBulkPayloadBytes);
  const router = new Router({ prefix: SCIM_PREFIX });
  router.use(scimErrors(services.log));
  for (const route of scimRouteTable()) {
    router[route.method](`/:orgId${route.path}`, async (ctx) => {
      const caller = await authenticate(ctx);
      const { tenant } = ctx.state as { tenant: Tenant };
      const instanceId = tenant.instance._id;
      const refusal = await throttles.consume(instanceId, ['apiRequestsPerCaller', caller.userId]);
      if (refusal) {
        throttles.refuse(ctx, refusal);
        throw new HttpError(429, `Too many requests from this caller; retry after ${refusal.seconds} seconds`);
      }
      const org = await findOrgRecord(instanceId, ctx.params.orgId ?? '');
      if (!org) throw notFound();
      if (ctx.method !== 'GET' && ctx.method !== 'DELETE') {
        if (!ctx.is('application/scim+json', 'application/json'))
          throw new HttpError(415, 'the request body must be application/scim+json');
        const bulk = route.path === '/Bulk';
        if (bulk && ctx.request.length > SCIM_LIMITS.maxBulkPayloadBytes)
          throw new HttpError(413, `a bulk request has at most ${SCIM_LIMITS.maxBulkPayloadBytes} bytes`);
        await (bulk ? parseBulk : parseJson)(ctx, async () => {});
      }
      const result = await runScim(route, {
        org,
        params: ctx.params as Record<string, string>,
        query: ctx.query as Record<string, string | undefined>,
        body: (ctx.request as { body?: unknown }).body,
        ifMatch: ctx.get('if-match') || undefined,
        ifNoneMatch: ctx.get('if-none-match') || undefined,
        caller,
        actor: { instanceId, actorId: caller.userId },
        tenant,
        services,
        baseUrl: `${tenant.instance.issuer}${SCIM_PREFIX}/${org._id}`,
      });
      respond(ctx, result);
    });
  }
  router.all('/{*rest}', () => {
    throw new HttpError(404, 'No such resource');
  });
  return router;
}
