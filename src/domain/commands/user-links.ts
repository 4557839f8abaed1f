import { UserLink } from '../../store/models/index.ts';
import type { UserLinkDocument } from '../../store/models/user-link.ts';
import { notFound } from '../errors.ts';
import { asOneChange, recordChange, uniquely, type Actor } from './changes.ts';

export interface NewLink {
  userId: string;
  orgId: string;
  idpId: string;
  externalUserId: string;
  externalUserName: string | null;
}

/**
 * Links an external identity to a user (ZITADEL's `user.human.externalidp.added`); an identity already linked to a
 * user of the instance is a conflict (the unique index decides between parallel logins).
 */
export function linkExternalIdentity(actor: Actor, link: NewLink): Promise<UserLinkDocument> {
  return asOneChange(actor, async () => {
    const created = await uniquely(
      () => UserLink.create({ instanceId: actor.instanceId, ...link }),
      'this external identity is linked to a user already',
    );
    await recordChange(actor, {
      orgId: link.orgId,
      type: 'user.human.externalidp.added',
      resourceType: 'user',
      resourceId: link.userId,
      payload: { idpId: link.idpId, externalUserId: link.externalUserId },
    });
    return created.toObject() as UserLinkDocument;
  });
}

/** Removes one of a user's links (the user then logs in through that IdP only after linking again). */
export function unlinkExternalIdentity(actor: Actor, user: { _id: string; orgId: string }, linkId: string) {
  return asOneChange(actor, async () => {
    const removed = await UserLink.findOneAndDelete({ _id: linkId, instanceId: actor.instanceId, userId: user._id });
    if (!removed) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.human.externalidp.removed',
      resourceType: 'user',
      resourceId: user._id,
      payload: { idpId: removed.idpId, externalUserId: removed.externalUserId },
    });
  });
}
