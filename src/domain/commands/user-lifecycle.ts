import { Membership, PersonalAccessToken, User } from '../../store/models/index.ts';
import type { UserDocument } from '../../store/models/user.ts';
import type { MembershipDocument } from '../../store/models/membership.ts';
import { clearAllAttempts } from '../../store/queries/login-attempts.ts';
import { dropCodes } from '../../store/queries/verification-codes.ts';
import { dropPendingEmails } from '../../store/queries/email-outbox.ts';
import { notFound } from '../errors.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { includesUser, keepingAnIamOwner, restoreMembership } from './iam-owners.ts';
import { removeUserGrantsWhere } from './user-grants.ts';
import type { SessionEnder } from './user-sessions.ts';

// A user's state over its life: active, inactive, removed. Whoever deactivates or deletes a user on a manager's
// behalf (the management API, SCIM and its Bulk, an org's removal) goes through deactivateUser/deleteUser, so the
// user's sign-in sessions always end with it: setUserState is not exported.

function setUserState(
  actor: Actor,
  user: UserDocument,
  state: 'active' | 'inactive',
  eventType: string,
): Promise<UserDocument> {
  return asOneChange(actor, async () => {
    const filter = { instanceId: actor.instanceId, _id: user._id };
    const update = () =>
      User.findOneAndUpdate(filter, { $set: { state } }, { returnDocument: 'after' }).lean<UserDocument>();
    // Deactivating an active IAM owner must leave one (iam-owners.ts); it was active, so reactivating undoes it.
    const guarded =
      state === 'inactive' &&
      (await Membership.exists({ instanceId: actor.instanceId, level: 'instance', userId: user._id }));
    const updated = guarded
      ? await keepingAnIamOwner(actor.instanceId, includesUser(user._id), update, () =>
          User.updateOne(filter, { $set: { state: 'active' } }),
        )
      : await update();
    if (!updated) throw notFound();
    // Reactivating a locked user unlocks it: its failed password and code attempts are forgotten, or the next one
    // would lock it again.
    if (state === 'active') await clearAllAttempts(actor.instanceId, user._id);
    await recordChange(actor, { orgId: user.orgId, type: eventType, resourceType: 'user', resourceId: user._id });
    return updated;
  });
}

/** Deletes a user with its credentials, manager roles and user grants (before the user, and once more after). */
export function removeUser(actor: Actor, user: UserDocument, reason = 'user.removed'): Promise<void> {
  return asOneChange(actor, async () => {
    const { instanceId } = actor;
    // An active IAM owner's instance role goes first, where it can still be undone (iam-owners.ts).
    if (await Membership.exists({ instanceId, level: 'instance', userId: user._id }))
      await keepingAnIamOwner(
        instanceId,
        includesUser(user._id),
        () =>
          Membership.findOneAndDelete({ instanceId, level: 'instance', userId: user._id }).lean<MembershipDocument>(),
        restoreMembership,
      );
    const sweep = async () => {
      await PersonalAccessToken.deleteMany({ instanceId, userId: user._id });
      await dropCodes(instanceId, user._id);
      await dropPendingEmails(instanceId, user._id);
      await Membership.deleteMany({ instanceId, userId: user._id });
      await removeUserGrantsWhere(actor, { userId: user._id }, { reason, removedUserId: user._id });
    };
    await sweep();
    await User.deleteOne({ instanceId, _id: user._id });
    await sweep();
    await recordChange(actor, {
      orgId: user.orgId,
      type: reason === 'user.removed' ? reason : 'user.cascade.removed',
      resourceType: 'user',
      resourceId: user._id,
      payload: { username: user.username },
    });
  });
}

/** A manager reactivates a deactivated user, or unlocks a locked one (`eventType` user.unlocked). */
export function reactivateUser(
  actor: Actor,
  user: UserDocument,
  eventType: 'user.reactivated' | 'user.unlocked' = 'user.reactivated',
): Promise<UserDocument> {
  return setUserState(actor, user, 'active', eventType);
}

/**
 * A manager (management API, SCIM) deactivates a user: it can no longer sign in, and its sign-in sessions end at once
 * (tokens revoked, apps told by back-channel logout) — beyond ZITADEL, which tells apps only of ended sessions.
 */
export async function deactivateUser(
  actor: Actor,
  user: UserDocument,
  endSessions: SessionEnder,
): Promise<UserDocument> {
  const deactivated = await setUserState(actor, user, 'inactive', 'user.deactivated');
  await endSessions(user._id);
  return deactivated;
}

/**
 * A manager (management API, SCIM) deletes a user, or a cascade does (an org's removal: `reason` names it): its data
 * goes (removeUser), then its sign-in sessions end.
 */
export async function deleteUser(
  actor: Actor,
  user: UserDocument,
  endSessions: SessionEnder,
  reason = 'user.removed',
): Promise<void> {
  await removeUser(actor, user, reason);
  await endSessions(user._id);
}
