import { Membership, Organization, User } from '../../store/models/index.ts';
import type { MembershipDocument } from '../../store/models/membership.ts';
import { conflict } from '../errors.ts';
import { isDuplicateKeyError } from '../../store/queries/array-rewrite.ts';

/** The role whose holders administer the instance; without an active one nobody can. */
export const IAM_OWNER = 'IAM_OWNER';

export const LAST_OWNER_MESSAGE =
  'the instance would be left without an active IAM_OWNER: make another user IAM_OWNER first';

export interface ActiveOwner {
  userId: string;
  orgId: string;
}

/** Active users holding IAM_OWNER in an active org (an inactive org's users cannot log in or call the API). */
export async function activeIamOwners(instanceId: string): Promise<ActiveOwner[]> {
  const memberships = await Membership.find({ instanceId, level: 'instance' }, { userId: 1, roles: 1 }).lean<
    Pick<MembershipDocument, 'userId' | 'roles'>[]
  >();
  const ownerIds = memberships.filter((entry) => entry.roles.includes(IAM_OWNER)).map((entry) => entry.userId);
  if (!ownerIds.length) return [];
  const users = await User.find({ instanceId, _id: { $in: ownerIds }, state: 'active' }, { orgId: 1 }).lean<
    { _id: string; orgId: string }[]
  >();
  const orgIds = [...new Set(users.map((user) => user.orgId))];
  const activeOrgs = await Organization.find({ instanceId, _id: { $in: orgIds }, state: 'active' }, { _id: 1 }).lean<
    { _id: string }[]
  >();
  const active = new Set(activeOrgs.map((org) => org._id));
  return users.filter((user) => active.has(user.orgId)).map((user) => ({ userId: user._id, orgId: user.orgId }));
}

/** Whether the owners include this user. */
export const includesUser =
  (userId: string) =>
  (owners: readonly ActiveOwner[]): boolean =>
    owners.some((owner) => owner.userId === userId);

/**
 * Runs a change that may take the instance's last active IAM_OWNER away, and undoes it when it did (409). `affects`
 * says whether the change touches one of the active owners read before it; when it does not, the change just runs.
 *
 * FerretDB v1 has no transactions and its conditional updates are not atomic, so the check comes after the write: each
 * change writes first, then counts the owners left, and undoes itself when none is. Of two concurrent changes removing
 * the last two owners, at least one counts after both writes and undoes its own; it cannot happen that both see the
 * other's owner still there (each count follows its own write, so one of them follows both). At worst both undo and
 * both answer 409; the caller may retry. The same pattern as the domain count in addOrgDomain
 * (docs/portable-mongodb.md).
 */
export async function keepingAnIamOwner<T>(
  instanceId: string,
  affects: (owners: readonly ActiveOwner[]) => boolean,
  change: () => Promise<T>,
  undo: (result: T) => Promise<unknown>,
): Promise<T> {
  // A cheap pre-read (the owners are few) spares every other change the count afterwards.
  if (!affects(await activeIamOwners(instanceId))) return change();
  const result = await change();
  if ((await activeIamOwners(instanceId)).length > 0) return result;
  await undo(result);
  throw conflict(LAST_OWNER_MESSAGE);
}

/** Undoes the removal of a membership: the same document again (a removal that found none has nothing to undo). */
export async function restoreMembership(removed: MembershipDocument | null): Promise<void> {
  if (!removed) return;
  try {
    await Membership.create(removed);
  } catch (error) {
    // Added again meanwhile: the owner is back either way.
    if (!isDuplicateKeyError(error)) throw error;
  }
}
