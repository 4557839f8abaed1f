import type { z } from 'zod';
import { readPermissionOf, type Permissions, type ResourceContext } from '../../domain/rules/permissions.ts';
import type { Actor } from '../../domain/commands/changes.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import type { Caller } from './authenticate.ts';

/** The kinds of resource a route acts on, with the permission that makes one visible. */
const RESOURCE_READ_PERMISSIONS = {
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

/** A validated request of an authenticated caller. */
export interface ApiRequest<B, Q> {
  params: Record<string, string>;
  body: B;
  query: Q;
  caller: Caller;
  actor: Actor;
  tenant: Tenant;
  services: Services;
}

/**
 * Where a located route's permission is decided. run.ts calls decideAccess on it: 404 when the caller cannot see the
 * resource (exactly as when it does not exist), 403 when it can see but not act, and only then the handler.
 */
export interface Location<T> {
  /** Where the route's permission must be held. */
  context: ResourceContext;
  /** Where a read permission makes the resource visible, when that is wider (a project grant, to the granted org). */
  visibleContext?: ResourceContext;
  /** A whole whose parts have managers of their own: those may act on their parts (see decideAccessInParts). */
  parts?: readonly ResourceContext[];
  /**
   * The handler's target, loaded once access is decided (so a hidden parent never tells what it holds); `whole` is
   * false when the caller was allowed on some parts only.
   */
  target(access: { whole: boolean }): Promise<T>;
}

/** How a route finds what it acts on, from the path (and, where the permission depends on it, the body or query). */
export interface Locator<T, B = unknown, Q = unknown> {
  /** Its name in the route table (test/api/route-authorization.test.ts lists every route's). */
  name: string;
  resource: ResourceKind;
  locate: (request: ApiRequest<B, Q>, permission: string) => Promise<Location<T>>;
}

/**
 * The escape hatch, for a route that acts on no resource it could locate; `custom` says why. The decision is still
 * taken before the handler (403 when `allows` is false), and test/api/route-authorization.test.ts lists every such
 * route.
 */
export interface CustomAuthorization {
  custom: string;
  resource: ResourceKind;
  allows(permissions: Permissions, permission: string): boolean;
}

export interface RouteSpec<T, B extends z.ZodType, Q extends z.ZodType, R extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template under /api/v1, e.g. `/orgs/{orgId}`. */
  path: string;
  summary: string;
  tag: string;
  /** The permission the route needs (ZITADEL's name). */
  permission: string;
  /** How the route is authorized: decided before the handler runs. */
  on: Locator<T, z.output<B>, z.output<Q>> | CustomAuthorization;
  /** Defaults to what `on` names; its read permission (and the permission's own read form) makes it visible. */
  resource?: ResourceKind;
  body?: B;
  query?: Q;
  /** null: 204 without a body. */
  response: R | null;
  status?: 200 | 201;
  handler(request: ApiRequest<z.output<B>, z.output<Q>> & { target: T }): Promise<z.input<R> | void>;
}

export interface ApiRoute {
  method: RouteSpec<unknown, z.ZodType, z.ZodType, z.ZodType>['method'];
  path: string;
  summary: string;
  tag: string;
  permission: string;
  resource: ResourceKind;
  on: Locator<unknown> | CustomAuthorization;
  body: z.ZodType | undefined;
  query: z.ZodType | undefined;
  response: z.ZodType | null;
  status: number;
  visibleWith: string[];
  handler(request: ApiRequest<unknown, unknown> & { target: unknown }): Promise<unknown>;
}

export function route<
  T,
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodNull,
>(spec: RouteSpec<T, B, Q, R>): ApiRoute {
  const resource = spec.resource ?? spec.on.resource;
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tag: spec.tag,
    permission: spec.permission,
    resource,
    // The body and query are validated against the route's own schemas before a locator reads them.
    on: spec.on as ApiRoute['on'],
    body: spec.body,
    query: spec.query,
    response: spec.response,
    status: spec.response === null ? 204 : (spec.status ?? 200),
    visibleWith: [...new Set([RESOURCE_READ_PERMISSIONS[resource], readPermissionOf(spec.permission)])],
    handler: spec.handler as ApiRoute['handler'],
  };
}

const STATE_ACTIONS = ['deactivate', 'reactivate'] as const;
type StateAction = (typeof STATE_ACTIONS)[number];

/** `POST {base}/deactivate` and `POST {base}/reactivate`: reversible, nothing is lost. */
export function stateRoutes<T, R extends z.ZodType>(spec: {
  base: string;
  tag: string;
  permission: string;
  on: Locator<T, undefined, undefined>;
  response: R;
  summaries: Record<StateAction, string>;
  change(
    request: ApiRequest<undefined, undefined> & { target: T },
    state: 'active' | 'inactive',
    action: StateAction,
  ): Promise<z.input<R>>;
}): ApiRoute[] {
  const { base, summaries, change, ...rest } = spec;
  return STATE_ACTIONS.map((action) =>
    route({
      ...rest,
      method: 'post',
      path: `${base}/${action}`,
      summary: summaries[action],
      handler: (request) => change(request, action === 'deactivate' ? 'inactive' : 'active', action),
    }),
  );
}
