import {
  projectContext,
  orgContext,
  projectGrantOwnerContext,
  projectGrantViewContext,
  userGrantContext,
} from '../../domain/rules/resource-context.ts';
import type { ResourceContext } from '../../domain/rules/permissions.ts';
import { findApplication } from '../../domain/commands/applications.ts';
import { findOrgRecord, type OrgRecord } from '../../domain/commands/orgs.ts';
import { findProjectGrant } from '../../domain/commands/project-grants.ts';
import { findProject } from '../../domain/commands/projects.ts';
import { findUserGrant } from '../../domain/commands/user-grants.ts';
import { findUser } from '../../domain/commands/users.ts';
import { notFound } from '../../domain/errors.ts';
import type { ApplicationDocument } from '../../store/models/application.ts';
import type { ProjectDocument } from '../../store/models/project.ts';
import type { ProjectGrantDocument } from '../../store/models/project-grant.ts';
import type { UserDocument } from '../../store/models/user.ts';
import type { UserGrantDocument } from '../../store/models/user-grant.ts';
import type { Located, LocateContext, ResourceKind } from './route.ts';

// Path resources, always looked up inside the caller's instance; a miss is the same 404 as a resource the caller may
// not see.

async function required<T>(found: Promise<T | null>): Promise<T> {
  const value = await found;
  if (!value) throw notFound();
  return value;
}

type Params = Record<string, string>;
type Scope = { instanceId: string };

export const loadOrg = (actor: Scope, params: Params): Promise<OrgRecord> =>
  required(findOrgRecord(actor.instanceId, params.orgId ?? ''));
const loadUser = (actor: Scope, params: Params): Promise<UserDocument> =>
  required(findUser(actor.instanceId, params.userId ?? ''));
export const loadProject = (actor: Scope, params: Params): Promise<ProjectDocument> =>
  required(findProject(actor.instanceId, params.projectId ?? ''));
export const loadProjectGrant = (actor: Scope, params: Params): Promise<ProjectGrantDocument> =>
  required(findProjectGrant(actor.instanceId, params.projectId ?? '', params.grantId ?? ''));
const loadApplication = (actor: Scope, params: Params): Promise<ApplicationDocument> =>
  required(findApplication(actor.instanceId, params.projectId ?? '', params.appId ?? ''));
const loadUserGrant = (actor: Scope, params: Params): Promise<UserGrantDocument> =>
  required(findUserGrant(actor.instanceId, params.orgId ?? '', params.userGrantId ?? ''));

/**
 * Load from the path, then check the route's permission in the resource's context (and the wider context that only
 * makes it visible).
 */
function located<T>(
  kind: ResourceKind,
  load: (actor: Scope, params: Params) => Promise<T>,
  context: (resource: T) => ResourceContext,
  visibleContext?: (resource: T) => ResourceContext,
): Located<T> {
  return {
    kind,
    async locate({ actor, params, authorize }) {
      const resource = await load(actor, params);
      authorize(context(resource), visibleContext?.(resource));
      return resource;
    },
  };
}

export const ORG = located('org', loadOrg, (org) => orgContext(org._id));
export const USER = located('user', loadUser, (user) => orgContext(user.orgId));
export const PROJECT = located('project', loadProject, projectContext);
/**
 * An application is authorized on its project before it is looked up, so a hidden project never reveals whether the app
 * exists.
 */
export const APPLICATION: Located<ApplicationDocument> = {
  kind: 'application',
  async locate(ctx: LocateContext) {
    await PROJECT.locate(ctx);
    return loadApplication(ctx.actor, ctx.params);
  },
};
/** Reading a project grant: the owner side, the granted org and the grant's managers. */
export const PROJECT_GRANT_VIEW = located('projectGrant', loadProjectGrant, projectGrantViewContext);
/** Changing a project grant: the owner side only; the granted side sees it (403, not 404). */
export const PROJECT_GRANT = located(
  'projectGrant',
  loadProjectGrant,
  projectGrantOwnerContext,
  projectGrantViewContext,
);
export const userGrantContextOf = (grant: UserGrantDocument): ResourceContext =>
  userGrantContext({ orgId: grant.orgId, projectId: grant.projectId, projectGrantId: grant.projectGrantId ?? null });
export const USER_GRANT = located('userGrant', loadUserGrant, userGrantContextOf);
