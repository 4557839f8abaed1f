import { hashPassword } from '../../platform/passwords.ts';
import { User } from '../../store/models/index.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { issueCode, useCode } from '../codes.ts';
import { enqueueUserEmail, requireEmailDelivery } from '../emails.ts';
import { conflict, invalidField } from '../errors.ts';
import { emailLink } from '../rules/email-links.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { hours, requireHuman, type EmailFlow } from './user-email.ts';
import { displayNameOf, loginNameOf } from './users.ts';

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
    await requireEmailDelivery(flow.services.config, actor.instanceId);
    const address = human.human.email;
    const { code, validSeconds } = await issueCode(flow.services, actor.instanceId, user, 'invitation', address);
    const org = await findOrg(actor.instanceId, user.orgId);
    await enqueueUserEmail(flow.services.masterKey, flow.instance, human, address, 'invitation', {
      displayName: displayNameOf(user),
      loginName: loginNameOf(user, { primaryDomain: org?.primaryDomain ?? '' }),
      link: emailLink(flow.instance.issuer, 'invitation', user._id, code),
      validHours: hours(validSeconds),
    });
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
      { $set: { 'human.passwordHash': await hashPassword(password), 'human.emailVerified': true } },
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
