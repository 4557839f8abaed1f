import { Membership, Organization, Project, ProjectGrant } from '../../store/models/index.ts';
import type { ProjectDocument } from '../../store/models/project.ts';
import type { ProjectGrantDocument } from '../../store/models/project-grant.ts';
import { newId } from '../../platform/ids.ts';
import { removeApplicationsOf } from './applications.ts';
import { removeMembersOf } from './memberships.ts';
import { removeProjectGrant } from './project-grants.ts';
import { pullRolesFromUserGrants, removeUserGrantsWhere } from './user-grants.ts';
import { asOneChange, recordChange, changeArray, uniquely, type Actor } from './changes.ts';
import { notFound, conflict } from '../errors.ts';
import { findScoped } from '../../store/queries/scoped.ts';

export interface ProjectSettings {
  name?: string;
  projectRoleAssertion?: boolean;
  projectRoleCheck?: boolean;
  hasProjectCheck?: boolean;
  privateLabelingSetting?:
    'unspecified' | 'enforce_project_resource_owner_policy' | 'allow_login_user_resource_owner_policy';
}

const DUPLICATE_NAME = 'the organization already has a project with this name';

export function findProject(instanceId: string, projectId: string): Promise<ProjectDocument | null> {
  return findScoped(Project, instanceId, projectId);
}

export function listProjects(
  instanceId: string,
  orgId: string,
  page: { limit: number; offset: number },
): Promise<ProjectDocument[]> {
  return Project.find({ instanceId, orgId })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<ProjectDocument[]>();
}

/**
 * As in ZITADEL, whoever creates a project becomes its PROJECT_OWNER (so an ORG_PROJECT_CREATOR can manage what it
 * created).
 */
export function createProject(
  actor: Actor,
  orgId: string,
  settings: ProjectSettings & { name: string },
): Promise<ProjectDocument> {
  return asOneChange(actor, async () => {
    const created = await uniquely(
      () => Project.create({ instanceId: actor.instanceId, orgId, ...settings }),
      DUPLICATE_NAME,
    );
    // The org deletion removes projects before the org; a project created in between is removed here.
    if (!(await Organization.exists({ instanceId: actor.instanceId, _id: orgId }))) {
      await Project.deleteOne({ _id: created._id });
      throw notFound();
    }
    await recordChange(actor, {
      orgId,
      type: 'project.added',
      resourceType: 'project',
      resourceId: created._id,
      payload: { ...settings },
    });
    await Membership.updateOne(
      { instanceId: actor.instanceId, level: 'project', resourceId: created._id, userId: actor.actorId },
      { $setOnInsert: { _id: newId(), orgId, projectId: created._id, roles: ['PROJECT_OWNER'] } },
      { upsert: true },
    );
    await recordChange(actor, {
      orgId,
      type: 'member.added',
      resourceType: 'project.member',
      resourceId: created._id,
      payload: { userId: actor.actorId, roles: ['PROJECT_OWNER'] },
    });
    return created.toObject() as ProjectDocument;
  });
}

export function changeProject(
  actor: Actor,
  project: ProjectDocument,
  settings: ProjectSettings,
): Promise<ProjectDocument> {
  return asOneChange(actor, async () => {
    const updated = await uniquely(
      () =>
        Project.findOneAndUpdate(
          { instanceId: actor.instanceId, _id: project._id },
          { $set: settings },
          { returnDocument: 'after', runValidators: true },
        ).lean<ProjectDocument>(),
      DUPLICATE_NAME,
    );
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: project.orgId,
      type: 'project.changed',
      resourceType: 'project',
      resourceId: project._id,
      payload: { ...settings },
    });
    return updated;
  });
}

export function setProjectState(
  actor: Actor,
  project: ProjectDocument,
  state: 'active' | 'inactive',
): Promise<ProjectDocument> {
  return asOneChange(actor, async () => {
    const updated = await Project.findOneAndUpdate(
      { instanceId: actor.instanceId, _id: project._id },
      { $set: { state } },
      { returnDocument: 'after' },
    ).lean<ProjectDocument>();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: project.orgId,
      type: state === 'active' ? 'project.reactivated' : 'project.deactivated',
      resourceType: 'project',
      resourceId: project._id,
    });
    return updated;
  });
}

/**
 * Deletes a project and what hangs on it. The project is deactivated first (nothing logs in to it
 * while the cascade runs); its grants, user grants, apps and managers go before the project itself,
 * and are swept once more after it (for anything written meanwhile). Re-running completes a crashed run.
 */
export function removeProject(actor: Actor, project: ProjectDocument, reason = 'project.removed'): Promise<void> {
  return asOneChange(actor, async () => {
    const { instanceId } = actor;
    await Project.updateOne({ instanceId, _id: project._id }, { $set: { state: 'inactive' } });
    const sweep = async () => {
      for (const grant of await ProjectGrant.find({ instanceId, projectId: project._id }).lean<
        ProjectGrantDocument[]
      >())
        await removeProjectGrant(actor, grant, reason);
      await removeUserGrantsWhere(actor, { projectId: project._id }, { projectId: project._id, reason });
      await removeApplicationsOf(actor, project, reason);
    };
    await sweep();
    await removeMembersOf(actor, 'project', project._id);
    await Project.deleteOne({ instanceId, _id: project._id });
    await sweep();
    await recordChange(actor, {
      orgId: project.orgId,
      type: reason === 'project.removed' ? reason : 'project.cascade.removed',
      resourceType: 'project',
      resourceId: project._id,
      payload: { name: project.name },
    });
  });
}

export interface RoleInput {
  key: string;
  displayName: string;
  group?: string;
}

export function addProjectRole(actor: Actor, project: ProjectDocument, role: RoleInput): Promise<void> {
  return asOneChange(actor, async () => {
    const found = await changeArray<RoleInput>(
      Project,
      { instanceId: actor.instanceId, _id: project._id },
      'roles',
      (roles) => {
        if (roles.some((existing) => existing.key === role.key))
          throw conflict('the project already has a role with this key');
        return [...roles, role];
      },
    );
    if (!found) throw notFound();
    await recordChange(actor, {
      orgId: project.orgId,
      type: 'project.role.added',
      resourceType: 'project',
      resourceId: project._id,
      payload: { ...role },
    });
  });
}

export function changeProjectRole(
  actor: Actor,
  project: ProjectDocument,
  key: string,
  change: { displayName?: string; group?: string },
): Promise<void> {
  return asOneChange(actor, async () => {
    const found = await changeArray<RoleInput>(
      Project,
      { instanceId: actor.instanceId, _id: project._id },
      'roles',
      (roles) => {
        if (!roles.some((role) => role.key === key)) throw notFound();
        return roles.map((role) => (role.key === key ? { ...role, ...change } : role));
      },
    );
    if (!found) throw notFound();
    await recordChange(actor, {
      orgId: project.orgId,
      type: 'project.role.changed',
      resourceType: 'project',
      resourceId: project._id,
      payload: { key, ...change },
    });
  });
}

/**
 * Removes a role from the project and from everything that refers to it: user grants first, then
 * project grants, then the project, then user grants and project grants once more (for grants
 * written meanwhile). No step leaves a reference to a role the project no longer has.
 */
export function removeProjectRole(actor: Actor, project: ProjectDocument, key: string): Promise<void> {
  return asOneChange(actor, async () => {
    const { instanceId } = actor;
    if (!project.roles.some((role) => role.key === key)) throw notFound();
    const cause = { projectId: project._id, reason: 'project.role.removed', roleKey: key };
    const sweep = async () => {
      await pullRolesFromUserGrants(actor, { projectId: project._id }, [key], cause);
      const grants = await ProjectGrant.find(
        { instanceId, projectId: project._id, roleKeys: key },
        { orgId: 1, grantedOrgId: 1 },
      ).lean();
      await ProjectGrant.updateMany({ instanceId, projectId: project._id }, { $pull: { roleKeys: key } });
      for (const grant of grants)
        await recordChange(actor, {
          orgId: grant.orgId,
          type: 'project.grant.cascade.changed',
          resourceType: 'project.grant',
          resourceId: grant._id,
          payload: { ...cause, grantedOrgId: grant.grantedOrgId },
        });
    };
    await sweep();
    await changeArray<RoleInput>(Project, { instanceId, _id: project._id }, 'roles', (roles) =>
      roles.filter((role) => role.key !== key),
    );
    await sweep();
    await recordChange(actor, {
      orgId: project.orgId,
      type: 'project.role.removed',
      resourceType: 'project',
      resourceId: project._id,
      payload: { key },
    });
  });
}
