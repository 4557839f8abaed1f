import { decideAccess, readPermissionOf } from '../../domain/rules/permissions.ts';
import { orgContext } from '../../domain/rules/resource-context.ts';
import { notFound } from '../../domain/errors.ts';
import type { Actor } from '../../domain/commands/changes.ts';
import type { OrgRecord } from '../../domain/commands/orgs.ts';
import type { Provisioning } from '../../domain/scim/provision.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { HttpError } from '../middleware/errors.ts';
import type { Caller } from '../api/authenticate.ts';
import { sessionEnder } from '../api/user-sessions.ts';

/** One SCIM request (a whole HTTP request, or one operation of a Bulk request), of an authenticated caller. */
export interface ScimRequest {
  org: OrgRecord;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  caller: Caller;
  actor: Actor;
  tenant: Tenant;
  services: Services;
  /** `{issuer}/scim/v2/{orgId}`: every URL the server emits starts here. */
  baseUrl: string;
}

export interface ScimResult {
  status: number;
  body?: unknown;
  /** The entity tag of the returned resource (RFC 7644 §3.14). */
  version?: string;
  location?: string;
}

/**
 * A SCIM endpoint. `permissions` names what the caller must hold on the org for this request (read from the body
 * where the grants extension needs user.grant.write too): decided before the handler runs, as in the management API
 * (http/api/run.ts).
 */
export interface ScimRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Under `/scim/v2/{orgId}`, koa style: `/Users/:id`. */
  path: string;
  permissions(request: Pick<ScimRequest, 'body'>): string[];
  handler(request: ScimRequest): Promise<ScimResult>;
}

/** The org's SCIM endpoint is the org's users: seeing it at all takes a read permission on the org's users. */
const VISIBLE_WITH = ['user.read', 'org.read'];

/** 404 when the caller cannot see the org (exactly as when it does not exist), 403 when it may see but not act. */
export function authorizeScim(route: ScimRoute, request: Pick<ScimRequest, 'body' | 'caller' | 'org'>): void {
  for (const permission of route.permissions(request)) {
    const rule = { permission, visibleWith: [...VISIBLE_WITH, readPermissionOf(permission)] };
    const decision = decideAccess(request.caller.permissions, rule, orgContext(request.org._id));
    if (decision === 'not-found') throw notFound();
    if (decision === 'forbidden') throw new HttpError(403, `missing permission ${permission}`);
  }
}

export async function runScim(route: ScimRoute, request: ScimRequest): Promise<ScimResult> {
  authorizeScim(route, request);
  return route.handler(request);
}

/** If-Match (RFC 7644 §3.14, RFC 9110 §13.1.1): a write to a version the client has not seen is refused with 412. */
export function requireVersion(request: ScimRequest, current: ScimResult): void {
  const wanted = request.ifMatch;
  if (!wanted || wanted.trim() === '*') return;
  const tags = wanted.split(',').map((tag) => tag.trim());
  if (!tags.includes(current.version ?? ''))
    throw new HttpError(412, 'the resource changed since the version given in If-Match');
}

export function provisioningOf(request: ScimRequest): Provisioning {
  return {
    actor: request.actor,
    org: request.org,
    instanceLoginPolicy: request.tenant.instance.loginPolicy,
    emailFlow: { services: request.services, instance: request.tenant.instance },
    endSessions: sessionEnder(request.tenant),
  };
}

/** `/Users/:id` as a matcher of concrete paths (for Bulk operations, which name their target by path). */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const names: string[] = [];
  const source = pattern.replace(/[.]/g, '\\.').replace(/:([A-Za-z]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${source}$`).exec(path);
  if (!match) return null;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]));
}
