import type { QueryFilter } from 'mongoose';
import { Project, ProjectGrant, User, UserGrant } from '../../store/models/index.ts';
import type { UserGrantDocument } from '../../store/models/user-grant.ts';
import { asOneChange, recordChange, uniquely, type Actor } from './changes.ts';
import { invalidField, notFound, conflict } from '../errors.ts';
import { findScoped } from '../../store/queries/scoped.ts';
import { deleteInBatches, pullFromArrays } from '../../store/queries/bulk-writes.ts';

type UserGrantFilter = QueryFilter<UserGrantDocument>;

/** What a cascade's events tell of each user grant it changes. */
interface GrantFacts {
  _id: string;
  orgId: string;
  userId: string;
}

/**
 * The role keys a user grant may hold: the project's roles, or the project grant's subset of them; null when either is
 * gone.
 */
export async function assignableRoleKeys(
  instanceId: string,
  projectId: string,
  projectGrantId: string | null,
): Promise<string[] | null> {
  const project = await findScoped(Project, instanceId, projectId, {}, { roles: 1 });
  if (!project) return null;
  const projectKeys = project.roles.map((role) => role.key);
  if (!projectGrantId) return projectKeys;
  const grant = await findScoped(ProjectGrant, instanceId, projectGrantId, { projectId }, { roleKeys: 1 });
  return grant ? grant.roleKeys.filter((key) => projectKeys.includes(key)) : null;
}

function requireAssignable(roleKeys: string[], assignable: string[]): void {
  const unknown = roleKeys.filter((key) => !assignable.includes(key));
  if (unknown.length) throw invalidField('roleKeys', `not assignable here: ${unknown.join(', ')}`);
}

/**
 * Check after write: cascades (role removal, grant shrink or deletion, user deletion) sweep before
 * and after their own write, and every writer of a user grant re-checks its references afterwards,
 * so whichever of two concurrent writers comes second repairs what the first could not see.
 */
async function reconcile(instanceId: string, grant: UserGrantDocument): Promise<boolean> {
  const assignable = await assignableRoleKeys(instanceId, grant.projectId, grant.projectGrantId ?? null);
  if (!assignable || !(await User.exists({ instanceId, _id: grant.userId }))) {
    await UserGrant.deleteOne({ instanceId, _id: grant._id });
    return false;
  }
  const unassignable = grant.roleKeys.filter((key) => !assignable.includes(key));
  if (unassignable.length)
    await UserGrant.updateOne({ instanceId, _id: grant._id }, { $pullAll: { roleKeys: unassignable } });
  return true;
}

export interface NewUserGrant {
  /** The granting org: the project's owner, or an org holding a project grant for it. */
  orgId: string;
  userId: string;
  projectId: string;
  roleKeys: string[];
}

/** How the granting org reaches the project: it owns it, or holds a grant; null when it does neither. */
export async function projectAccessOf(
  instanceId: string,
  orgId: string,
  projectId: string,
): Promise<{ projectGrantId: string | null } | null> {
  const project = await findScoped(Project, instanceId, projectId, {}, { orgId: 1 });
  if (!project) return null;
  if (project.orgId === orgId) return { projectGrantId: null };
  const grant = await ProjectGrant.findOne({ instanceId, projectId, grantedOrgId: orgId }, { _id: 1 }).lean();
  return grant ? { projectGrantId: grant._id } : null;
}

export function createUserGrant(
  actor: Actor,
  input: NewUserGrant,
  projectGrantId: string | null,
): Promise<UserGrantDocument> {
  return asOneChange(actor, async () => {
    const { instanceId } = actor;
    const user = await findScoped(User, instanceId, input.userId, {}, { orgId: 1 });
    if (!user) throw notFound();
    const assignable = await assignableRoleKeys(instanceId, input.projectId, projectGrantId);
    if (!assignable) throw notFound();
    requireAssignable(input.roleKeys, assignable);
    const created = await uniquely(
      () =>
        UserGrant.create({
          instanceId,
          userId: input.userId,
          userOrgId: user.orgId,
          projectId: input.projectId,
          projectGrantId,
          orgId: input.orgId,
          roleKeys: [...new Set(input.roleKeys)],
        }),
      'the user already has a grant from this organization on this project',
    );
    const grant = created.toObject() as UserGrantDocument;
    if (!(await reconcile(instanceId, grant)))
      throw conflict('the user, project or project grant was removed meanwhile');
    await recordChange(actor, {
      orgId: input.orgId,
      type: 'user.grant.added',
      resourceType: 'user.grant',
      resourceId: grant._id,
      payload: { userId: input.userId, projectId: input.projectId, projectGrantId, roleKeys: grant.roleKeys },
    });
    return (await UserGrant.findById(grant._id).lean<UserGrantDocument>()) ?? grant;
  });
}

export function findUserGrant(instanceId: string, orgId: string, grantId: string): Promise<UserGrantDocument | null> {
  return findScoped(UserGrant, instanceId, grantId, { orgId });
}

/** Where an org's user grants are made: on projects it owns, or through project grants it received. */
export interface UserGrantScopes {
  projectIds: readonly string[];
  grants: ReadonlyArray<{ _id: string; projectId: string }>;
}

/**
 * Of the given projects and project grants (those whose managers the caller is), the ones the org makes user grants
 * on: the projects it owns, and the project grants it received.
 */
export async function userGrantScopesOf(
  instanceId: string,
  orgId: string,
  candidates: { projectIds: readonly string[]; grantIds: readonly string[] },
): Promise<UserGrantScopes> {
  const [projects, grants] = await Promise.all([
    candidates.projectIds.length
      ? Project.find({ instanceId, orgId, _id: { $in: [...candidates.projectIds] } }, { _id: 1 }).lean()
      : [],
    candidates.grantIds.length
      ? ProjectGrant.find(
          { instanceId, grantedOrgId: orgId, _id: { $in: [...candidates.grantIds] } },
          { _id: 1, projectId: 1 },
        ).lean()
      : [],
  ]);
  return {
    projectIds: projects.map((project) => project._id),
    grants: grants.map((grant) => ({ _id: grant._id, projectId: grant.projectId })),
  };
}

/**
 * One page of an org's user grants; `within` (null: all of them) keeps those made on the given projects or through the
 * given project grants, filtered before paging.
 */
export function listUserGrants(
  instanceId: string,
  filter: { orgId: string; userId?: string; projectId?: string; within: UserGrantScopes | null },
  page: { limit: number; offset: number },
): Promise<UserGrantDocument[]> {
  const query: UserGrantFilter = { instanceId, orgId: filter.orgId };
  if (filter.userId) query.userId = filter.userId;
  if (filter.projectId) query.projectId = filter.projectId;
  if (filter.within)
    query.$or = [
      { projectGrantId: null, projectId: { $in: [...filter.within.projectIds] } },
      { projectGrantId: { $in: filter.within.grants.map((grant) => grant._id) } },
    ];
  return UserGrant.find(query).sort({ _id: 1 }).skip(page.offset).limit(page.limit).lean<UserGrantDocument[]>();
}

export function changeUserGrantRoles(
  actor: Actor,
  grant: UserGrantDocument,
  roleKeys: string[],
): Promise<UserGrantDocument> {
  return asOneChange(actor, async () => {
    const assignable = await assignableRoleKeys(actor.instanceId, grant.projectId, grant.projectGrantId ?? null);
    if (!assignable) throw notFound();
    requireAssignable(roleKeys, assignable);
    const updated = await UserGrant.findOneAndUpdate(
      { instanceId: actor.instanceId, _id: grant._id },
      { $set: { roleKeys: [...new Set(roleKeys)] } },
      { returnDocument: 'after' },
    ).lean<UserGrantDocument>();
    if (!updated || !(await reconcile(actor.instanceId, updated))) throw notFound();
    await recordChange(actor, {
      orgId: grant.orgId,
      type: 'user.grant.changed',
      resourceType: 'user.grant',
      resourceId: grant._id,
      payload: { userId: grant.userId, roleKeys },
    });
    return (await UserGrant.findById(grant._id).lean<UserGrantDocument>()) ?? updated;
  });
}

export function setUserGrantState(
  actor: Actor,
  grant: UserGrantDocument,
  state: 'active' | 'inactive',
): Promise<UserGrantDocument> {
  return asOneChange(actor, async () => {
    const updated = await UserGrant.findOneAndUpdate(
      { instanceId: actor.instanceId, _id: grant._id },
      { $set: { state } },
      { returnDocument: 'after' },
    ).lean<UserGrantDocument>();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: grant.orgId,
      type: state === 'active' ? 'user.grant.reactivated' : 'user.grant.deactivated',
      resourceType: 'user.grant',
      resourceId: grant._id,
      payload: { userId: grant.userId },
    });
    return updated;
  });
}

export function removeUserGrant(actor: Actor, grant: UserGrantDocument): Promise<void> {
  return asOneChange(actor, async () => {
    const removed = await UserGrant.findOneAndDelete({ instanceId: actor.instanceId, _id: grant._id }).lean();
    if (!removed) throw notFound();
    await recordChange(actor, {
      orgId: grant.orgId,
      type: 'user.grant.removed',
      resourceType: 'user.grant',
      resourceId: grant._id,
      payload: { userId: grant.userId, projectId: grant.projectId },
    });
  });
}

/**
 * Cascade step: deletes every user grant matching the filter, with an event each; repeats until none is left, so it
 * also catches concurrent inserts.
 */
export function removeUserGrantsWhere(
  actor: Actor,
  filter: UserGrantFilter,
  cause: Record<string, unknown>,
): Promise<void> {
  return asOneChange(actor, () =>
    deleteInBatches<GrantFacts>(UserGrant, actor.instanceId, filter, { orgId: 1, userId: 1 }, async (batch) => {
      for (const grant of batch)
        await recordChange(actor, {
          orgId: grant.orgId,
          type: 'user.grant.cascade.removed',
          resourceType: 'user.grant',
          resourceId: grant._id,
          payload: { userId: grant.userId, ...cause },
        });
    }),
  );
}

/** Cascade step: removes role keys from every matching user grant that holds one, with an event each (idempotent). */
export function pullRolesFromUserGrants(
  actor: Actor,
  filter: UserGrantFilter,
  roleKeys: string[],
  cause: Record<string, unknown>,
): Promise<void> {
  return asOneChange(actor, async () => {
    const affected = await pullFromArrays<GrantFacts & { roleKeys: string[] }>(
      UserGrant,
      actor.instanceId,
      filter,
      'roleKeys',
      roleKeys,
      { orgId: 1, userId: 1 },
    );
    for (const grant of affected) {
      const removed = grant.roleKeys.filter((key) => roleKeys.includes(key));
      await recordChange(actor, {
        orgId: grant.orgId,
        type: 'user.grant.cascade.changed',
        resourceType: 'user.grant',
        resourceId: grant._id,
        payload: { userId: grant.userId, removedRoleKeys: removed, ...cause },
      });
    }
  });
}
