import type { Context } from 'koa';
import type { z } from 'zod';
import { decideAccessInParts } from '../../domain/rules/visibility.ts';
import { DomainError, notFound } from '../../domain/errors.ts';
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

/** What a route runs with, from the API (a bearer token's caller, JSON) or the console (a signed-in manager). */
export interface RouteInput {
  params: Record<string, string>;
  /** Unvalidated: the route's own schemas validate it. */
  body?: unknown;
  query?: unknown;
  caller: Caller;
  tenant: Tenant;
  services: Services;
}

function requestOf(apiRoute: ApiRoute, input: RouteInput): ApiRequest<unknown, unknown> {
  return {
    params: input.params,
    body: apiRoute.body ? parseWith(apiRoute.body, input.body ?? {}) : undefined,
    query: apiRoute.query ? parseWith(apiRoute.query, input.query ?? {}) : undefined,
    caller: input.caller,
    actor: { instanceId: input.tenant.instance._id, actorId: input.caller.userId },
    tenant: input.tenant,
    services: input.services,
  };
}

/**
 * Runs one route for an authenticated caller: validate, authorize, and only then the handler. The management API and
 * the console both run every action through here, so both decide access with one function.
 */
export async function executeRoute(apiRoute: ApiRoute, input: RouteInput): Promise<{ status: number; body: unknown }> {
  const request = requestOf(apiRoute, input);
  const target = await authorize(apiRoute, request);
  // Cache invalidation is the domain's: each command publishes its change (store/cache/unit-of-change.ts).
  const result = await apiRoute.handler({ ...request, target });
  return { status: apiRoute.status, body: apiRoute.response ? apiRoute.response.parse(result) : undefined };
}

/**
 * Whether the caller may run the route on these parameters (and body, where its locator reads one): the same
 * validation and decision as executeRoute, without the handler. The console shows only the controls this allows.
 */
export async function routePermits(apiRoute: ApiRoute, input: RouteInput): Promise<boolean> {
  try {
    // Unvalidated, as a control is decided before anything is typed; locators read only ids from them.
    const unchecked = { body: input.body ?? {}, query: input.query ?? {} };
    const request = { ...requestOf({ ...apiRoute, body: undefined, query: undefined }, input), ...unchecked };
    await authorize(apiRoute, request);
    return true;
  } catch (error) {
    if (error instanceof HttpError || error instanceof DomainError) return false;
    throw error;
  }
}

export async function runRoute(apiRoute: ApiRoute, ctx: Context, caller: Caller, services: Services): Promise<void> {
  const tenant = (ctx.state as { tenant: Tenant }).tenant;
  const { status, body } = await executeRoute(apiRoute, {
    params: ctx.params as Record<string, string>,
    body: (ctx.request as { body?: unknown }).body,
    query: ctx.query,
    caller,
    tenant,
    services,
  });
  ctx.status = status;
  if (body !== undefined) ctx.body = body;
}
