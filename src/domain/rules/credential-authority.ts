import { hasPermission, type ManagerLevel, type Permissions, type ResourceContext } from './permissions.ts';

/** The permission that grants manager roles at each level (ZITADEL's `*.member.write`). */
export const MEMBER_WRITE_PERMISSION: Readonly<Record<ManagerLevel, string>> = {
  instance: 'iam.member.write',
  org: 'org.member.write',
  project: 'project.member.write',
  projectGrant: 'project.grant.member.write',
};

/** A manager role the target user holds: where, as the membership stores it. */
export interface HeldMembership {
  level: ManagerLevel;
  /** Instance, org, project or project-grant id, by level. */
  resourceId: string;
  /** The org of the resource (for a project grant: the granted org); the instance id at instance level. */
  orgId: string;
  projectId?: string | null;
  roles: readonly string[];
}

/** Where granting roles at this membership is decided: the same context as its managers' routes. */
export function membershipContext(membership: HeldMembership): ResourceContext {
  switch (membership.level) {
    case 'instance':
      return {};
    case 'org':
      return { orgIds: [membership.resourceId] };
    case 'project':
      return { orgIds: [membership.orgId], projectId: membership.resourceId };
    case 'projectGrant':
      return { orgIds: [membership.orgId], projectId: membership.projectId, grantId: membership.resourceId };
  }
}

/**
 * A credential (secret, personal access token, password) lets whoever holds it act as the user, with every manager
 * role the user holds. So a caller may issue one only for a user whose manager roles it could grant itself: for each
 * membership of the target, the caller holds that level's `*.member.write` where the membership lives. Returns the
 * memberships the caller could not grant (empty: allowed). A user issuing its own credential escalates nothing.
 */
export function ungrantableMemberships<M extends HeldMembership>(
  caller: { userId: string; permissions: Permissions },
  target: { userId: string; memberships: readonly M[] },
): M[] {
  if (caller.userId === target.userId) return [];
  return target.memberships.filter(
    (membership) =>
      !hasPermission(caller.permissions, MEMBER_WRITE_PERMISSION[membership.level], membershipContext(membership)),
  );
}
