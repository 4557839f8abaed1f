import { Organization, Project, ProjectGrant } from '../../store/models/index.ts';
import type { ProjectDocument } from '../../store/models/project.ts';
import type { ProjectGrantDocument } from '../../store/models/project-grant.ts';
import { removeMembersOf } from './memberships.ts';
import { pullRolesFromUserGrants, removeUserGrantsWhere } from './user-grants.ts';
import { asOneChange, recordChange, uniquely, type Actor } from './changes.ts';
import { invalidField, notFound } from '../errors.ts';
import { findScoped } from '../../store/queries/scoped.ts';

function requireProjectRoles(project: ProjectDocument, roleKeys: string[]): void {
  const known = project.roles.map((role) => role.key);
  const unknown = roleKeys.filter((key) => !known.includes(key));
  if (unknown.length) throw invalidField('roleKeys', `not roles of the project: ${unknown.join(', ')}`);
}

export function findProjectGrant(
  instanceId: string,
  projectId: string,
  grantId: string,
): Promise<ProjectGrantDocument | null> {
  return findScoped(ProjectGrant, instanceId, grantId, { projectId });
}

export function listProjectGrants(
  instanceId: string,
  filter: { projectId: string } | { grantedOrgId: string },
  page: { limit: number; offset: number },
): Promise<ProjectGrantDocument[]> {
  return ProjectGrant.find({ instanceId, ...filter })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<ProjectGrantDocument[]>();
}

export function createProjectGrant(
  actor: Actor,
  project: ProjectDocument,
  grantedOrgId: string,
  roleKeys: string[],
): Promise<ProjectGrantDocument> {
  return asOneChange(actor, async () => {
    const { instanceId } = actor;
    if (grantedOrgId === project.orgId)
      throw invalidField('grantedOrgId', 'a project cannot be granted to the organization that owns it');
    if (!(await Organization.exists({ instanceId, _id: grantedOrgId })))
      throw invalidField('grantedOrgId', 'no such organization');
    requireProjectRoles(project, roleKeys);
    const created = await uniquely(
      () =>
        ProjectGrant.create({
          instanceId,
          projectId: project._id,
          orgId: project.orgId,
          grantedOrgId,
          roleKeys: [...new Set(roleKeys)],
        }),
      'the project is already granted to this organization',
    );
    // The project or the granted org may have been deleted meanwhile; their deletions sweep grants before and after.
    const current = await findScoped(Project, instanceId, project._id, {}, { roles: 1 });
    if (!current || !(await Organization.exists({ instanceId, _id: grantedOrgId }))) {
      await ProjectGrant.deleteOne({ _id: created._id });
      throw notFound();
    }
    const projectKeys = current.roles.map((role) => role.key);
    const vanished = created.roleKeys.filter((key) => !projectKeys.includes(key));
    if (vanished.length) await ProjectGrant.updateOne({ _id: created._id }, { $pullAll: { roleKeys: vanished } });
    await recordChange(actor, {
      orgId: project.orgId,
      type: 'project.grant.added',
      resourceType: 'project.grant',
      resourceId: created._id,
      payload: { projectId: project._id, grantedOrgId, roleKeys },
    });
    return (await ProjectGrant.findById(created._id).lean<ProjectGrantDocument>())!;
  });
}

/**
 * Replaces the grant's role subset. Dropped roles leave the grant's user grants first, then the
 * grant, then its user grants once more (for grants written meanwhile): a crash at any point leaves
 * no user grant holding a role its grant lacks, and re-running completes the change.
 */
export function changeProjectGrantRoles(
  actor: Actor,
  project: ProjectDocument,
  grant: ProjectGrantDocument,
  roleKeys: string[],
): Promise<ProjectGrantDocument> {
  return asOneChange(actor, async () => {
    requireProjectRoles(project, roleKeys);
    const wanted = [...new Set(roleKeys)];
    const dropped = grant.roleKeys.filter((key) => !wanted.includes(key));
    const cause = { projectGrantId: grant._id, reason: 'project.grant.changed' };
    await pullRolesFromUserGrants(actor, { projectGrantId: grant._id }, dropped, cause);
    const updated = await ProjectGrant.findOneAndUpdate(
      { instanceId: actor.instanceId, _id: grant._id },
      { $set: { roleKeys: wanted } },
      { returnDocument: 'after' },
    ).lean<ProjectGrantDocument>();
    if (!updated) throw notFound();
    await pullRolesFromUserGrants(actor, { projectGrantId: grant._id }, dropped, cause);
    await recordChange(actor, {
      orgId: grant.orgId,
      type: 'project.grant.changed',
      resourceType: 'project.grant',
      resourceId: grant._id,
      payload: {
        projectId: grant.projectId,
        grantedOrgId: grant.grantedOrgId,
        roleKeys: wanted,
        removedRoleKeys: dropped,
      },
    });
    return updated;
  });
}

export function setProjectGrantState(
  actor: Actor,
  grant: ProjectGrantDocument,
  state: 'active' | 'inactive',
): Promise<ProjectGrantDocument> {
  return asOneChange(actor, async () => {
    const updated = await ProjectGrant.findOneAndUpdate(
      { instanceId: actor.instanceId, _id: grant._id },
      { $set: { state } },
      { returnDocument: 'after' },
    ).lean<ProjectGrantDocument>();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: grant.orgId,
      type: state === 'active' ? 'project.grant.reactivated' : 'project.grant.deactivated',
      resourceType: 'project.grant',
      resourceId: grant._id,
      payload: { projectId: grant.projectId, grantedOrgId: grant.grantedOrgId },
    });
    return updated;
  });
}

/**
 * Deletes a project grant with what hangs on it: its user grants and managers first, the grant
 * last, then its user grants again (for any written meanwhile). Each step is idempotent.
 */
export function removeProjectGrant(
  actor: Actor,
  grant: ProjectGrantDocument,
  reason = 'project.grant.removed',
): Promise<void> {
  return asOneChange(actor, async () => {
    const cause = { projectGrantId: grant._id, reason };
    await removeUserGrantsWhere(actor, { projectGrantId: grant._id }, cause);
    await removeMembersOf(actor, 'projectGrant', grant._id);
    await ProjectGrant.deleteOne({ instanceId: actor.instanceId, _id: grant._id });
    await removeUserGrantsWhere(actor, { projectGrantId: grant._id }, cause);
    await recordChange(actor, {
      orgId: grant.orgId,
      type: reason === 'project.grant.removed' ? 'project.grant.removed' : 'project.grant.cascade.removed',
      resourceType: 'project.grant',
      resourceId: grant._id,
      payload: {
        projectId: grant.projectId,
        grantedOrgId: grant.grantedOrgId,
        ...(reason === 'project.grant.removed' ? {} : { reason }),
      },
    });
  });
}
