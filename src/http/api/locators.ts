import {
  instanceContext,
  orgContext,
  projectContext,
  projectGrantMembersContext,
  projectGrantOwnerContext,
  projectGrantViewContext,
  userGrantContext,
} from '../../domain/rules/resource-context.ts';
import type { ResourceContext } from '../../domain/rules/permissions.ts';
import { reachOf } from '../../domain/rules/visibility.ts';
import { findApplication } from '../../domain/commands/applications.ts';
import { findOrgRecord, type OrgRecord } from '../../domain/commands/orgs.ts';
import { findProjectGrant } from '../../domain/commands/project-grants.ts';
import { findProject } from '../../domain/commands/projects.ts';
import {
  findUserGrant,
  projectAccessOf,
  userGrantScopesOf,
  type UserGrantScopes,
} from '../../domain/commands/user-grants.ts';
import { findUser } from '../../domain/commands/users.ts';
import { membershipsOfUser } from '../../domain/commands/memberships.ts';
import { ungrantableMemberships } from '../../domain/rules/credential-authority.ts';
import { HttpError } from '../middleware/errors.ts';
import { notFound } from '../../domain/errors.ts';
import type { InstanceRecord } from '../../oidc/tenants.ts';
import type { ApplicationDocument } from '../../store/models/application.ts';
import type { ProjectDocument } from '../../store/models/project.ts';
import type { ProjectGrantDocument } from '../../store/models/project-grant.ts';
import type { UserDocument } from '../../store/models/user.ts';
import type { UserGrantDocument } from '../../store/models/user-grant.ts';
import type { Locator, ResourceKind } from './route.ts';

// What routes act on, and where their permission is decided (run.ts decides). Resources are always looked up inside
// the caller's instance; a miss is the same 404 as a resource the caller may not see.

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
const loadProjectGrant = (actor: Scope, params: Params): Promise<ProjectGrantDocument> =>
  required(findProjectGrant(actor.instanceId, params.projectId ?? '', params.grantId ?? ''));
const loadApplication = (actor: Scope, params: Params): Promise<ApplicationDocument> =>
  required(findApplication(actor.instanceId, params.projectId ?? '', params.appId ?? ''));
const loadUserGrant = (actor: Scope, params: Params): Promise<UserGrantDocument> =>
  required(findUserGrant(actor.instanceId, params.orgId ?? '', params.userGrantId ?? ''));

/** A resource of the path, decided on in its own context (and made visible by a wider one, if given). */
function located<T>(
  name: string,
  resource: ResourceKind,
  load: (actor: Scope, params: Params) => Promise<T>,
  context: (found: T) => ResourceContext,
  visibleContext?: (found: T) => ResourceContext,
): Locator<T> {
  return {
    name,
    resource,
    async locate({ actor, params }) {
      const found = await load(actor, params);
      return { context: context(found), visibleContext: visibleContext?.(found), target: async () => found };
    },
  };
}

/** The caller's instance: only instance-wide roles act here. */
export const INSTANCE: Locator<InstanceRecord> = {
  name: 'INSTANCE',
  resource: 'instance',
  locate: async ({ tenant }) => ({ context: instanceContext, target: async () => tenant.instance }),
};
export const ORG = located('ORG', 'org', loadOrg, (org) => orgContext(org._id));
export const USER = located('USER', 'user', loadUser, (user) => orgContext(user.orgId));
export const PROJECT = located('PROJECT', 'project', loadProject, projectContext);
/**
 * A user whose credential (secret, personal access token, password) is issued or changed: decided as USER, and then
 * refused (403) when the user holds manager roles the caller could not grant, for the credential would let the caller
 * act with them (domain/rules/credential-authority.ts).
 */
export const USER_CREDENTIALS: Locator<UserDocument> = {
  name: 'USER_CREDENTIALS',
  resource: 'user',
  async locate(request, permission) {
    const location = await USER.locate(request, permission);
    return {
      ...location,
      async target(access) {
        const user = await location.target(access);
        const memberships = await membershipsOfUser(request.actor.instanceId, user._id);
        const refused = ungrantableMemberships(request.caller, { userId: user._id, memberships });
        if (refused.length)
          throw new HttpError(403, 'the user holds manager roles the caller could not grant', {
            roles: [...new Set(refused.flatMap((membership) => membership.roles))],
          });
        return user;
      },
    };
  },
};
/**
 * An application is decided on its project and looked up only then, so a hidden project never reveals whether the app
 * exists.
 */
export const APPLICATION: Locator<ApplicationDocument> = {
  name: 'APPLICATION',
  resource: 'application',
  async locate(request, permission) {
    const project = await PROJECT.locate(request, permission);
    return { ...project, target: () => loadApplication(request.actor, request.params) };
  },
};
/** Reading a project grant: the owner side, the granted org and the grant's managers. */
export const PROJECT_GRANT_VIEW = located(
  'PROJECT_GRANT_VIEW',
  'projectGrant',
  loadProjectGrant,
  projectGrantViewContext,
);
/** Changing a project grant: the owner side only; the granted side sees it (403, not 404). */
export const PROJECT_GRANT = located(
  'PROJECT_GRANT',
  'projectGrant',
  loadProjectGrant,
  projectGrantOwnerContext,
  projectGrantViewContext,
);
/** The managers of a project grant: the granted org's, the project's and the grant's own managers. */
export const PROJECT_GRANT_MEMBERS = located(
  'PROJECT_GRANT_MEMBERS',
  'projectGrant',
  loadProjectGrant,
  projectGrantMembersContext,
);
const userGrantContextOf = (grant: UserGrantDocument): ResourceContext =>
  userGrantContext({ orgId: grant.orgId, projectId: grant.projectId, projectGrantId: grant.projectGrantId ?? null });
export const USER_GRANT = located('USER_GRANT', 'userGrant', loadUserGrant, userGrantContextOf);

/**
 * A user grant the org in the path makes on the project named in the body: decided where that grant will live (the
 * project's managers if the org owns it, the project grant's if it received one). A project the org neither owns nor
 * was granted does not exist from the org's point of view: 404 once the caller is allowed there.
 */
export const NEW_USER_GRANT: Locator<{ org: OrgRecord; projectGrantId: string | null }, { projectId: string }> = {
  name: 'NEW_USER_GRANT',
  resource: 'org',
  async locate({ actor, params, body }) {
    const org = await loadOrg(actor, params);
    const access = await projectAccessOf(actor.instanceId, org._id, body.projectId);
    const projectGrantId = access?.projectGrantId ?? null;
    return {
      context: userGrantContext({ orgId: org._id, projectId: body.projectId, projectGrantId }),
      async target() {
        if (!access) throw notFound();
        return { org, projectGrantId };
      },
    };
  },
};

/**
 * The user grants an org made: all of them for whoever holds the permission on the org; for the managers of its
 * projects and of the project grants it received, those made there (the list is filtered in the query, then paged).
 */
export const ORG_USER_GRANTS: Locator<{ org: OrgRecord; within: UserGrantScopes | null }> = {
  name: 'ORG_USER_GRANTS',
  resource: 'org',
  async locate({ actor, params, caller }, permission) {
    const org = await loadOrg(actor, params);
    const scopes = await userGrantScopesOf(actor.instanceId, org._id, reachOf(caller.permissions, permission));
    const orgId = org._id;
    return {
      context: orgContext(orgId),
      parts: [
        ...scopes.projectIds.map((projectId) => userGrantContext({ orgId, projectId, projectGrantId: null })),
        ...scopes.grants.map((grant) =>
          userGrantContext({ orgId, projectId: grant.projectId, projectGrantId: grant._id }),
        ),
      ],
      target: async ({ whole }) => ({ org, within: whole ? null : scopes }),
    };
  },
};

/** The audit trail of the org named in the query or, without one, of the whole instance. */
export const EVENTS: Locator<undefined, unknown, { orgId?: string }> = {
  name: 'EVENTS',
  resource: 'events',
  async locate({ actor, query }) {
    const context = query.orgId ? orgContext((await loadOrg(actor, { orgId: query.orgId }))._id) : instanceContext;
    return { context, target: async () => undefined };
  },
};
