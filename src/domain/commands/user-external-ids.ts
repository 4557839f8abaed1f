import { User } from '../../store/models/index.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { asOneChange, recordChange, uniquely, type Actor } from './changes.ts';
import { notFound } from '../errors.ts';

export const EXTERNAL_ID_TAKEN = 'the externalId is taken in this organization';

/** The unique key of an external id: org ids are UUIDv7 (platform/ids.ts), unique across instances. */
function externalIdKeyOf(orgId: string, externalId: string): string {
  return `${orgId}/${externalId}`;
}

export function findUserByExternalId(instanceId: string, orgId: string, externalId: string) {
  return User.findOne({ instanceId, externalIdKey: externalIdKeyOf(orgId, externalId) }, { _id: 1 }).lean();
}

/**
 * Sets (or, with null, removes) the id a provisioning directory knows the user by; a conflict when another user of
 * the org has it (the unique index decides, so two concurrent writers cannot both win).
 */
export function setUserExternalId(actor: Actor, user: UserDocument, externalId: string | null): Promise<UserDocument> {
  return asOneChange(actor, async () => {
    const update = externalId
      ? { $set: { externalId, externalIdKey: externalIdKeyOf(user.orgId, externalId) } }
      : { $unset: { externalId: 1, externalIdKey: 1 } };
    const updated = await uniquely(
      () =>
        User.findOneAndUpdate({ instanceId: actor.instanceId, _id: user._id }, update, {
          returnDocument: 'after',
          runValidators: true,
        }).lean<UserDocument>(),
      EXTERNAL_ID_TAKEN,
    );
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: externalId ? 'user.external-id.set' : 'user.external-id.removed',
      resourceType: 'user',
      resourceId: user._id,
      payload: { externalId },
    });
    return updated;
  });
}
