import type { Context } from 'koa';
import type { z } from 'zod';
import type { Services } from '../../oidc/services.ts';
import { parseWith } from '../api/run.ts';
import { HttpError } from '../middleware/errors.ts';
import type { SystemCaller, SystemPermission } from './authenticate.ts';

export interface SystemRequest<B, Q> {
  params: Record<string, string>;
  body: B;
  query: Q;
  caller: SystemCaller;
  services: Services;
}

/** A System API route: declared like the management API's (http/api/route.ts), so it lands in its OpenAPI document. */
export interface SystemRouteSpec<B extends z.ZodType, Q extends z.ZodType, R extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template under /system/v1. */
  path: string;
  summary: string;
  tag: string;
  /** Decided before the handler: 403 without it. */
  permission: SystemPermission;
  body?: B;
  query?: Q;
  /** null: 204 without a body. */
  response: R | null;
  status?: 200 | 201 | 202;
  handler(request: SystemRequest<z.output<B>, z.output<Q>>): Promise<z.input<R> | void>;
}

export interface SystemRoute {
  method: SystemRouteSpec<z.ZodType, z.ZodType, z.ZodType>['method'];
  path: string;
  summary: string;
  tag: string;
  permission: SystemPermission;
  body: z.ZodType | undefined;
  query: z.ZodType | undefined;
  response: z.ZodType | null;
  status: number;
  handler(request: SystemRequest<unknown, unknown>): Promise<unknown>;
}

export function systemRoute<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodNull,
>(spec: SystemRouteSpec<B, Q, R>): SystemRoute {
  return {
    ...spec,
    body: spec.body,
    query: spec.query,
    status: spec.response === null ? 204 : (spec.status ?? 200),
    handler: spec.handler as SystemRoute['handler'],
  };
}

/** Runs one route for an authenticated operator: permission, validation, and only then the handler. */
export async function runSystemRoute(
  systemRoute: SystemRoute,
  ctx: Context,
  caller: SystemCaller,
  services: Services,
): Promise<void> {
  if (!caller.permissions.has(systemRoute.permission))
    throw new HttpError(403, `missing permission ${systemRoute.permission}`);
  const result = await systemRoute.handler({
    params: ctx.params as Record<string, string>,
    body: systemRoute.body ? parseWith(systemRoute.body, (ctx.request as { body?: unknown }).body ?? {}) : undefined,
    query: systemRoute.query ? parseWith(systemRoute.query, ctx.query) : undefined,
    caller,
    services,
  });
  ctx.status = systemRoute.status;
  if (systemRoute.response) ctx.body = systemRoute.response.parse(result);
}
