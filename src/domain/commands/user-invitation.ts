import { newPasswordFields } from './user-credentials.ts';
import { User } from '../../store/models/index.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { useCode } from '../codes.ts';
import { requireEmailDelivery } from '../emails.ts';
import { conflict, invalidField } from '../errors.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { emailLinkToUser, requireHuman, type EmailFlow } from './user-email.ts';

/**
 * Invitations (ZITADEL v2 CreateInviteCode / VerifyInviteCode): a user created without a password gets a link to set
 * one; using it also verifies the address it was sent to, which the link proves.
 */
/** Before creating a user to invite: it has no password, and email can be delivered (nothing created otherwise). */
export async function requireInvitable(flow: EmailFlow, actor: Actor, input: { password?: string }): Promise<void> {
  if (input.password) throw invalidField('sendInvitation', 'a user created with a password needs no invitation');
  await requireEmailDelivery(flow.services.config, actor.instanceId);
}

export function inviteUser(flow: EmailFlow, actor: Actor, user: UserDocument): Promise<void> {
  return asOneChange(actor, async () => {
    const human = requireHuman(user, 'user');
    if (human.human.passwordHash) throw conflict('the user has a password already: send a password reset instead');
    const address = await emailLinkToUser(flow, actor, human, 'invitation', 'invitation');
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.invitation.sent',
      resourceType: 'user',
      resourceId: user._id,
      payload: { email: address },
    });
  });
}

/**
 * Accepts an invitation with its code (for the login UI's page; the caller checks the password against the org's
 * complexity policy): the password is set and the address verified.
 */
export function acceptInvitation(
  flow: EmailFlow,
  actor: Actor,
  user: UserDocument,
  code: string,
  password: string,
): Promise<void> {
  return asOneChange(actor, async () => {
    const human = requireHuman(user, 'code');
    const address = human.human.email;
    await useCode(flow.services, actor.instanceId, user._id, 'invitation', address, code);
    await User.updateOne(
      { instanceId: actor.instanceId, _id: user._id, 'human.email': address },
      { $set: { ...(await newPasswordFields(password)), 'human.emailVerified': true } },
    );
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.invitation.accepted',
      resourceType: 'user',
      resourceId: user._id,
      payload: { email: address },
    });
  });
}
