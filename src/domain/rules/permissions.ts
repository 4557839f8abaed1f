import { z } from 'zod';

/** Manager role → permissions (ZITADEL's InternalAuthZ.RolePermissionMappings), from config/role-permissions.json. */
export type RolePermissions = Readonly<Record<string, readonly string[]>>;

export const MANAGER_LEVELS = ['instance', 'org', 'project', 'projectGrant'] as const;
export type ManagerLevel = (typeof MANAGER_LEVELS)[number];

const rolePermissionsSchema = z.record(
  z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  z.array(z.string().regex(/^[a-z][a-z0-9_.:]*$/)),
);

export function parseRolePermissions(json: unknown): RolePermissions {
  return rolePermissionsSchema.parse(json);
}

/**
 * Which roles may be held at which level, by ZITADEL's naming convention (IAM_*, ORG_*, PROJECT_*, PROJECT_GRANT_*).
 */
export function roleFitsLevel(role: string, level: ManagerLevel): boolean {
  switch (level) {
    case 'instance':
      return role.startsWith('IAM_');
    case 'org':
      return role.startsWith('ORG_');
    case 'project':
      return role.startsWith('PROJECT_') && !role.startsWith('PROJECT_GRANT_');
    case 'projectGrant':
      return role.startsWith('PROJECT_GRANT_');
  }
}

/** The parts of a membership that decide what it grants. */
export interface MembershipFacts {
  level: ManagerLevel;
  /** The instance, org, project or project grant id, by level. */
  resourceId: string;
  roles: readonly string[];
}

/**
 * A caller's permissions, by where they hold: instance roles apply anywhere in the instance, org
 * roles inside that org, project roles on that project only, project-grant roles on that grant only
 * (ZITADEL's `perm:<id>` for project and grant memberships).
 */
export interface Permissions {
  instance: ReadonlySet<string>;
  orgs: ReadonlyMap<string, ReadonlySet<string>>;
  projects: ReadonlyMap<string, ReadonlySet<string>>;
  grants: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Where a resource lives: every org whose managers it answers to, and the project and project grant
 * it belongs to, if any. Resources list only the contexts that may act on them; a permission held
 * elsewhere never matches.
 */
export interface ResourceContext {
  orgIds?: readonly string[];
  projectId?: string | null;
  grantId?: string | null;
}

export function resolvePermissions(memberships: readonly MembershipFacts[], mapping: RolePermissions): Permissions {
  const instance = new Set<string>();
  const byLevel = {
    org: new Map<string, Set<string>>(),
    project: new Map<string, Set<string>>(),
    projectGrant: new Map<string, Set<string>>(),
  };
  for (const membership of memberships) {
    let target: Set<string>;
    if (membership.level === 'instance') {
      target = instance;
    } else {
      const map = byLevel[membership.level];
      target = map.get(membership.resourceId) ?? new Set<string>();
      map.set(membership.resourceId, target);
    }
    // A role that is not valid at the membership's level grants nothing, whatever the mapping says.
    for (const role of membership.roles)
      if (roleFitsLevel(role, membership.level)) for (const permission of mapping[role] ?? []) target.add(permission);
  }
  return { instance, orgs: byLevel.org, projects: byLevel.project, grants: byLevel.projectGrant };
}

export function hasPermission(permissions: Permissions, permission: string, context: ResourceContext): boolean {
  if (permissions.instance.has(permission)) return true;
  if (context.orgIds?.some((orgId) => permissions.orgs.get(orgId)?.has(permission))) return true;
  if (context.projectId && permissions.projects.get(context.projectId)?.has(permission)) return true;
  return Boolean(context.grantId && permissions.grants.get(context.grantId)?.has(permission));
}

/** True when the permission is held somewhere (e.g. `user.global.read` for the exact login-name lookup). */
export function hasPermissionAnywhere(permissions: Permissions, permission: string): boolean {
  const holds = (sets: Iterable<ReadonlySet<string>>) => [...sets].some((set) => set.has(permission));
  return (
    permissions.instance.has(permission) ||
    holds(permissions.orgs.values()) ||
    holds(permissions.projects.values()) ||
    holds(permissions.grants.values())
  );
}

export type AccessDecision = 'allow' | 'forbidden' | 'not-found';

export interface AccessRule {
  /** The permission the action needs. */
  permission: string;
  /** Permissions that make the resource visible; without any of them the resource does not exist for the caller. */
  visibleWith: readonly string[];
}

/**
 * allow when the caller holds the permission in the resource's context; otherwise forbidden (403) if
 * the caller can see the resource, not-found (404, exactly as a missing resource) if it cannot.
 * Some resources are seen from more places than they are changed from (a project grant is seen by
 * the granted org), hence the separate visibility context.
 */
export function decideAccess(
  permissions: Permissions,
  rule: AccessRule,
  context: ResourceContext,
  visibleContext: ResourceContext = context,
): AccessDecision {
  if (hasPermission(permissions, rule.permission, context)) return 'allow';
  return rule.visibleWith.some((permission) => hasPermission(permissions, permission, visibleContext))
    ? 'forbidden'
    : 'not-found';
}

/** The read permission that goes with a write or delete permission (`project.grant.write` → `project.grant.read`). */
export function readPermissionOf(permission: string): string {
  return permission.replace(/\.(write|delete|create)$/, '.read');
}
