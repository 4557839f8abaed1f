import type { Context } from 'koa';
import type { z } from 'zod';
import { decideAccessInParts } from '../../domain/rules/visibility.ts';
import { notFound } from '../../domain/errors.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { HttpError } from '../middleware/errors.ts';
import type { Caller } from './authenticate.ts';
import type { ApiRequest, ApiRoute } from './route.ts';

/** 400 naming each offending field. */
function validationError(error: z.ZodError): HttpError {
  const errors = error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
  return new HttpError(400, errors.map((entry) => `${entry.field}: ${entry.message}`).join('; '), { errors });
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Decides 404, 403 or allow for the route's declared authorization, and loads what the handler acts on. */
async function authorize(apiRoute: ApiRoute, request: ApiRequest<unknown, unknown>): Promise<unknown> {
  const { on, permission } = apiRoute;
  const forbidden = () => new HttpError(403, `missing permission ${permission}`);
  if ('custom' in on) {
    if (!on.allows(request.caller.permissions, permission)) throw forbidden();
    return undefined;
  }
  const location = await on.locate(request, permission);
  const decision = decideAccessInParts(
    request.caller.permissions,
    { permission, visibleWith: apiRoute.visibleWith },
    location.context,
    location.parts ?? [],
    location.visibleContext,
  );
  if (decision === 'not-found') throw notFound();
  if (decision === 'forbidden') throw forbidden();
  return location.target({ whole: decision === 'allow' });
}

/** Runs one route for an authenticated caller: validate, authorize, and only then the handler. */
export async function runRoute(apiRoute: ApiRoute, ctx: Context, caller: Caller, services: Services): Promise<void> {
  const tenant = (ctx.state as { tenant: Tenant }).tenant;
  const request: ApiRequest<unknown, unknown> = {
    params: ctx.params as Record<string, string>,
    body: apiRoute.body ? parseWith(apiRoute.body, (ctx.request as { body?: unknown }).body ?? {}) : undefined,
    query: apiRoute.query ? parseWith(apiRoute.query, ctx.query) : undefined,
    caller,
    actor: { instanceId: tenant.instance._id, actorId: caller.userId },
    tenant,
    services,
  };
  const target = await authorize(apiRoute, request);
  // Cache invalidation is the domain's: each command publishes its change (store/cache/unit-of-change.ts).
  const result = await apiRoute.handler({ ...request, target });
  ctx.status = apiRoute.status;
  if (apiRoute.response) ctx.body = apiRoute.response.parse(result);
}
