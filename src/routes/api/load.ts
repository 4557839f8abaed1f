import { findApplication } from '../../queries/applications.ts';
import { findOrg, type OrgRecord } from '../../queries/orgs.ts';
import { findProjectGrant } from '../../queries/project-grants.ts';
import { findProject } from '../../queries/projects.ts';
import { findUserGrant } from '../../queries/user-grants.ts';
import { findUser } from '../../queries/users.ts';
import { notFound } from '../../queries/writes.ts';
import type { ApplicationDocument } from '../../models/application.ts';
import type { ProjectDocument } from '../../models/project.ts';
import type { ProjectGrantDocument } from '../../models/project-grant.ts';
import type { UserDocument } from '../../models/user.ts';
import type { UserGrantDocument } from '../../models/user-grant.ts';

// Path resources, always looked up inside the caller's instance; a miss is the same 404 as a resource the caller may not see.

async function required<T>(found: Promise<T | null>): Promise<T> {
  const value = await found;
  if (!value) throw notFound();
  return value;
}

type Params = Record<string, string>;
type Scope = { instanceId: string };

export const loadOrg = (actor: Scope, params: Params): Promise<OrgRecord> => required(findOrg(actor.instanceId, params.orgId ?? ''));
export const loadUser = (actor: Scope, params: Params): Promise<UserDocument> => required(findUser(actor.instanceId, params.userId ?? ''));
export const loadProject = (actor: Scope, params: Params): Promise<ProjectDocument> => required(findProject(actor.instanceId, params.projectId ?? ''));
export const loadProjectGrant = (actor: Scope, params: Params): Promise<ProjectGrantDocument> => required(findProjectGrant(actor.instanceId, params.projectId ?? '', params.grantId ?? ''));
export const loadApplication = (actor: Scope, params: Params): Promise<ApplicationDocument> => required(findApplication(actor.instanceId, params.projectId ?? '', params.appId ?? ''));
export const loadUserGrant = (actor: Scope, params: Params): Promise<UserGrantDocument> => required(findUserGrant(actor.instanceId, params.orgId ?? '', params.userGrantId ?? ''));
