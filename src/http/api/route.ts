import type { Context } from 'koa';
import type { z } from 'zod';
import { decideAccess, readPermissionOf, type ResourceContext } from '../../domain/rules/permissions.ts';
import type { Caller } from './authenticate.ts';
import { HttpError } from '../middleware/errors.ts';
import type { Actor } from '../../domain/commands/changes.ts';
import { notFound } from '../../domain/errors.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';

/** The kinds of resource a route acts on, with the permission that makes one visible. */
export const RESOURCE_READ_PERMISSIONS = {
  instance: 'iam.read',
  org: 'org.read',
  user: 'user.read',
  project: 'project.read',
  application: 'project.app.read',
  projectGrant: 'project.grant.read',
  userGrant: 'user.grant.read',
  events: 'events.read',
} as const;
export type ResourceKind = keyof typeof RESOURCE_READ_PERMISSIONS;

export interface RouteContext<B, Q> {
  params: Record<string, string>;
  body: B;
  query: Q;
  caller: Caller;
  actor: Actor;
  tenant: Tenant;
  services: Services;
  /**
   * Checks the route's declared permission against the resource's context: 404 when the caller
   * cannot see the resource (exactly as when it does not exist), 403 when it can see but not act.
   */
  authorize(context: ResourceContext, visibleContext?: ResourceContext): void;
  /** For routes whose permission is not tied to one resource (e.g. the exact login-name lookup). */
  authorizeAnywhere(held: boolean): void;
}

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType, R extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template under /api/v1, e.g. `/orgs/{orgId}`. */
  path: string;
  summary: string;
  tag: string;
  /** The permission the route checks (ZITADEL's name). */
  permission: string;
  /** The resource the route acts on; its read permission (and the permission's own read form) makes it visible. */
  resource: ResourceKind;
  body?: B;
  query?: Q;
  /** null: 204 without a body. */
  response: R | null;
  status?: 200 | 201;
  handler(ctx: RouteContext<z.output<B>, z.output<Q>>): Promise<z.input<R> | void>;
}

export interface ApiRoute {
  method: RouteSpec<z.ZodType, z.ZodType, z.ZodType>['method'];
  path: string;
  summary: string;
  tag: string;
  permission: string;
  resource: ResourceKind;
  body: z.ZodType | undefined;
  query: z.ZodType | undefined;
  response: z.ZodType | null;
  status: number;
  visibleWith: string[];
  handler(ctx: RouteContext<unknown, unknown>): Promise<unknown>;
}

export function route<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodNull,
>(spec: RouteSpec<B, Q, R>): ApiRoute {
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tag: spec.tag,
    permission: spec.permission,
    resource: spec.resource,
    body: spec.body,
    query: spec.query,
    response: spec.response,
    status: spec.response === null ? 204 : (spec.status ?? 200),
    visibleWith: [...new Set([RESOURCE_READ_PERMISSIONS[spec.resource], readPermissionOf(spec.permission)])],
    handler: spec.handler as ApiRoute['handler'],
  };
}

export type LocateContext = Pick<RouteContext<unknown, unknown>, 'actor' | 'params' | 'authorize'>;

/** A kind of path resource: how a route finds it and checks its permission on it (see load.ts). */
export interface Located<T> {
  kind: ResourceKind;
  /** Loads the resource and authorizes the route on it (404 when missing or hidden, 403 when visible only). */
  locate(ctx: LocateContext): Promise<T>;
}

type ResourceRouteSpec<T, B extends z.ZodType, Q extends z.ZodType, R extends z.ZodType> = Omit<
  RouteSpec<B, Q, R>,
  'resource' | 'handler'
> & {
  on: Located<T>;
  /** Defaults to the located kind. */
  resource?: ResourceKind;
  handler(ctx: RouteContext<z.output<B>, z.output<Q>> & { target: T }): Promise<z.input<R> | void>;
};

/** The usual route shape: load the path's resource, authorize on it, act on it. */
export function resourceRoute<
  T,
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodNull,
>(spec: ResourceRouteSpec<T, B, Q, R>): ApiRoute {
  const { on, handler, ...rest } = spec;
  return route<B, Q, R>({
    ...rest,
    resource: spec.resource ?? on.kind,
    async handler(ctx) {
      return handler({ ...ctx, target: await on.locate(ctx) });
    },
  });
}

export const STATE_ACTIONS = ['deactivate', 'reactivate'] as const;
export type StateAction = (typeof STATE_ACTIONS)[number];

/** `POST {base}/deactivate` and `POST {base}/reactivate`: reversible, nothing is lost. */
export function stateRoutes<T, R extends z.ZodType>(
  spec: Pick<ResourceRouteSpec<T, z.ZodUndefined, z.ZodUndefined, R>, 'tag' | 'permission' | 'on' | 'resource'> & {
    base: string;
    response: R;
    summaries: Record<StateAction, string>;
    change(
      ctx: RouteContext<undefined, undefined> & { target: T },
      state: 'active' | 'inactive',
      action: StateAction,
    ): Promise<z.input<R>>;
  },
): ApiRoute[] {
  const { base, summaries, change, ...rest } = spec;
  return STATE_ACTIONS.map((action) =>
    resourceRoute({
      ...rest,
      method: 'post',
      path: `${base}/${action}`,
      summary: summaries[action],
      handler: (ctx) => change(ctx, action === 'deactivate' ? 'inactive' : 'active', action),
    }),
  );
}

/** 400 naming each offending field. */
export function validationError(error: z.ZodError): HttpError {
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

/** Runs one route for an authenticated caller; refuses to answer if the handler never checked a permission. */
export async function runRoute(apiRoute: ApiRoute, ctx: Context, caller: Caller, services: Services): Promise<void> {
  const tenant = (ctx.state as { tenant: Tenant }).tenant;
  let authorized = false;
  const routeContext: RouteContext<unknown, unknown> = {
    params: ctx.params as Record<string, string>,
    body: apiRoute.body ? parseWith(apiRoute.body, (ctx.request as { body?: unknown }).body ?? {}) : undefined,
    query: apiRoute.query ? parseWith(apiRoute.query, ctx.query) : undefined,
    caller,
    actor: { instanceId: tenant.instance._id, actorId: caller.userId },
    tenant,
    services,
    authorize(context, visibleContext) {
      const decision = decideAccess(
        caller.permissions,
        { permission: apiRoute.permission, visibleWith: apiRoute.visibleWith },
        context,
        visibleContext,
      );
      if (decision === 'not-found') throw notFound();
      if (decision === 'forbidden') throw new HttpError(403, `missing permission ${apiRoute.permission}`);
      authorized = true;
    },
    authorizeAnywhere(held) {
      if (!held) throw new HttpError(403, `missing permission ${apiRoute.permission}`);
      authorized = true;
    },
  };
  const result = await apiRoute.handler(routeContext);
  if (!authorized)
    throw new Error(`route ${apiRoute.method.toUpperCase()} ${apiRoute.path} answered without a permission check`);
  ctx.status = apiRoute.status;
  if (apiRoute.response) ctx.body = apiRoute.response.parse(result);
}
