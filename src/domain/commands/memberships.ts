import { cached } from '../../store/cache/instance-cache.ts';
import { cacheKeys } from '../../store/cache/keys.ts';
import { Membership, User } from '../../store/models/index.ts';
import type { MembershipDocument } from '../../store/models/membership.ts';
import type { ManagerLevel } from '../rules/permissions.ts';
import { asOneChange, recordChange, uniquely, type Actor } from './changes.ts';
import { IAM_OWNER, includesUser, keepingAnIamOwner, restoreMembership } from './iam-owners.ts';
import { notFound } from '../errors.ts';

/** The resource a manager holds roles on. */
export interface MembershipTarget {
  level: ManagerLevel;
  resourceId: string;
  /** The org the resource belongs to (for a project grant, the granted org); the instance id at instance level. */
  orgId: string;
  projectId: string | null;
}

function eventOrgId(target: MembershipTarget): string | null {
  return target.level === 'instance' ? null : target.orgId;
}

export function listMembers(
  instanceId: string,
  target: MembershipTarget,
  page: { limit: number; offset: number },
): Promise<MembershipDocument[]> {
  return Membership.find({ instanceId, level: target.level, resourceId: target.resourceId })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<MembershipDocument[]>();
}

/** Cached: what API authentication reads on every request. */
export function membershipsOfUser(instanceId: string, userId: string): Promise<MembershipDocument[]> {
  return cached(instanceId, cacheKeys.memberships(userId), () =>
    Membership.find({ instanceId, userId }).lean<MembershipDocument[]>(),
  );
}

export function addMember(
  actor: Actor,
  target: MembershipTarget,
  userId: string,
  roles: string[],
): Promise<MembershipDocument> {
  return asOneChange(actor, async () => {
    const user = await User.exists({ instanceId: actor.instanceId, _id: userId });
    if (!user) throw notFound();
    const created = await uniquely(
      () =>
        Membership.create({
          instanceId: actor.instanceId,
          userId,
          level: target.level,
          resourceId: target.resourceId,
          orgId: target.orgId,
          projectId: target.projectId,
          roles,
        }),
      'the user is already a manager here',
    );
    // A user deleted meanwhile must not leave a membership behind (user deletion sweeps first, this checks after).
    if (!(await User.exists({ instanceId: actor.instanceId, _id: userId }))) {
      await Membership.deleteOne({ _id: created._id });
      throw notFound();
    }
    await recordChange(actor, {
      orgId: eventOrgId(target),
      type: 'member.added',
      resourceType: `${target.level}.member`,
      resourceId: target.resourceId,
      payload: { userId, roles },
    });
    return created.toObject() as MembershipDocument;
  });
}

export function changeMember(
  actor: Actor,
  target: MembershipTarget,
  userId: string,
  roles: string[],
): Promise<MembershipDocument> {
  return asOneChange(actor, async () => {
    const filter = { instanceId: actor.instanceId, level: target.level, resourceId: target.resourceId, userId };
    const previous = await Membership.findOne(filter).lean<MembershipDocument>();
    if (!previous) throw notFound();
    const update = () =>
      Membership.findOneAndUpdate(filter, { $set: { roles } }, { returnDocument: 'after' }).lean<MembershipDocument>();
    // Demoting an IAM owner must leave one (iam-owners.ts).
    const demotes = target.level === 'instance' && previous.roles.includes(IAM_OWNER) && !roles.includes(IAM_OWNER);
    const updated = demotes
      ? await keepingAnIamOwner(actor.instanceId, includesUser(userId), update, () =>
          Membership.updateOne(filter, { $set: { roles: previous.roles } }),
        )
      : await update();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: eventOrgId(target),
      type: 'member.changed',
      resourceType: `${target.level}.member`,
      resourceId: target.resourceId,
      payload: { userId, roles },
    });
    return updated;
  });
}

export function removeMember(actor: Actor, target: MembershipTarget, userId: string): Promise<void> {
  return asOneChange(actor, async () => {
    const remove = () =>
      Membership.findOneAndDelete({
        instanceId: actor.instanceId,
        level: target.level,
        resourceId: target.resourceId,
        userId,
      }).lean<MembershipDocument>();
    // Removing an IAM owner must leave one (iam-owners.ts): undone by inserting the same membership again.
    const removed =
      target.level === 'instance'
        ? await keepingAnIamOwner(actor.instanceId, includesUser(userId), remove, restoreMembership)
        : await remove();
    if (!removed) throw notFound();
    await recordChange(actor, {
      orgId: eventOrgId(target),
      type: 'member.removed',
      resourceType: `${target.level}.member`,
      resourceId: target.resourceId,
      payload: { userId },
    });
  });
}

/** Cascade step: every membership on a resource (idempotent). */
export function removeMembersOf(actor: Actor, level: ManagerLevel, resourceId: string): Promise<void> {
  return asOneChange(actor, async () => {
    await Membership.deleteMany({ instanceId: actor.instanceId, level, resourceId });
  });
}
