import type { ResourceContext } from './permissions.ts';

// Where each kind of resource lives for permission checks (ZITADEL: the resource owner org plus the
// project or project-grant id that project and grant managers' `perm:<id>` matches).

export const instanceContext: ResourceContext = {};

export function orgContext(orgId: string): ResourceContext {
  return { orgIds: [orgId] };
}

export function projectContext(project: { _id: string; orgId: string }): ResourceContext {
  return { orgIds: [project.orgId], projectId: project._id };
}

interface GrantFacts {
  _id: string;
  projectId: string;
  orgId: string;
  grantedOrgId: string;
}

/** The owner side changes a project grant (its role subset, its state): the project's org and project managers. */
export function projectGrantOwnerContext(grant: GrantFacts): ResourceContext {
  return { orgIds: [grant.orgId], projectId: grant.projectId };
}

/** The granted org and the grant's own managers see the grant, besides the owner side. */
export function projectGrantViewContext(grant: GrantFacts): ResourceContext {
  return { orgIds: [grant.orgId, grant.grantedOrgId], projectId: grant.projectId, grantId: grant._id };
}

/**
 * Managers of a granted project live in the granted org; the project's managers and the grant's own managers act on
 * them too.
 */
export function projectGrantMembersContext(grant: GrantFacts): ResourceContext {
  return { orgIds: [grant.grantedOrgId], projectId: grant.projectId, grantId: grant._id };
}

/**
 * A user grant belongs to the granting org. On an owned project the project's managers act on it;
 * through a project grant, the grant's managers do (never the owner's project managers: ZITADEL CVE-2022-36051).
 */
export function userGrantContext(grant: {
  orgId: string;
  projectId: string;
  projectGrantId: string | null;
}): ResourceContext {
  return grant.projectGrantId
    ? { orgIds: [grant.orgId], grantId: grant.projectGrantId }
    : { orgIds: [grant.orgId], projectId: grant.projectId };
}
