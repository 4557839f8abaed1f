import { newPasswordFields } from './user-credentials.ts';
import { User } from '../../store/models/index.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { dropCodes } from '../../store/queries/verification-codes.ts';
import { issueCode, useCode, type CodeServices } from '../codes.ts';
import { emailDeliveryAvailable, enqueueUserEmail, requireEmailDelivery, type EmailInstance } from '../emails.ts';
import { conflict, invalidField, notFound } from '../errors.ts';
import { emailLink } from '../rules/email-links.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { displayNameOf, loginNameOf } from './users.ts';

/**
 * The email address lifecycle (issue 16): verification on creation and on change (the new address is pending until
 * its code is used; the old one stays in use, so `email_verified` always describes the address in `email`), resend,
 * and password reset by email. Each flow that sends checks first that email can be delivered (409 naming the setting).
 */
export interface EmailFlow {
  services: CodeServices;
  instance: EmailInstance;
}

export type Human = UserDocument & { human: NonNullable<UserDocument['human']> };

export function requireHuman(user: UserDocument, field: string): Human {
  if (!user.human) throw invalidField(field, 'only human users have an email address');
  return user as Human;
}

export const hours = (seconds: number) => Math.round((seconds / 3600) * 10) / 10;

async function sendVerificationCode(flow: EmailFlow, actor: Actor, user: Human, address: string): Promise<void> {
  const { code, validSeconds } = await issueCode(flow.services, actor.instanceId, user, 'emailVerification', address);
  await enqueueUserEmail(flow.services.masterKey, flow.instance, user, address, 'verify-email', {
    displayName: displayNameOf(user),
    email: address,
    code,
    link: emailLink(flow.instance.issuer, 'emailVerification', user._id, code),
    validHours: hours(validSeconds),
  });
  await recordChange(actor, {
    orgId: user.orgId,
    type: 'user.email.code.sent',
    resourceType: 'user',
    resourceId: user._id,
    payload: { email: address },
  });
}

/** The address a verification code is for: the pending one, else the unverified current one. */
function addressToVerify(user: Human): string {
  if (user.human.pendingEmail) return user.human.pendingEmail;
  if (user.human.emailVerified) throw conflict('the email address is verified');
  return user.human.email;
}

/**
 * After a user was created with an unverified address: sends the verification code when email can be delivered (a
 * user can be created before SMTP is set up; resend tells then what is missing). Whether a code was sent.
 */
export async function sendVerificationAfterCreation(
  flow: EmailFlow,
  actor: Actor,
  user: UserDocument,
): Promise<boolean> {
  if (!user.human || user.human.emailVerified) return false;
  if (!(await emailDeliveryAvailable(flow.services.config, actor.instanceId))) return false;
  await asOneChange(actor, () => sendVerificationCode(flow, actor, user as Human, user.human!.email));
  return true;
}

export function resendEmailVerification(flow: EmailFlow, actor: Actor, user: UserDocument): Promise<void> {
  return asOneChange(actor, async () => {
    const human = requireHuman(user, 'email');
    const address = addressToVerify(human);
    await requireEmailDelivery(flow.services.config, actor.instanceId);
    await sendVerificationCode(flow, actor, human, address);
  });
}

/**
 * Changes a human user's address. Vouched for by the manager (`verified`): it replaces the address at once, verified.
 * Otherwise it is pending, and a code goes to it; the current address stays until the code is used.
 */
/** Whether changing the address to `email` sends a code, which needs email delivery (409 before any change). */
export async function requireEmailChangeable(
  flow: EmailFlow,
  actor: Actor,
  user: UserDocument,
  email: string,
  verified: boolean,
): Promise<void> {
  const human = requireHuman(user, 'email');
  if (!verified && email !== human.human.email) await requireEmailDelivery(flow.services.config, actor.instanceId);
}

export function changeUserEmail(
  flow: EmailFlow,
  actor: Actor,
  user: UserDocument,
  email: string,
  verified: boolean,
): Promise<UserDocument> {
  return asOneChange(actor, async () => {
    await requireEmailChangeable(flow, actor, user, email, verified);
    const human = requireHuman(user, 'email');
    // The same address again cancels a pending change and keeps its verified state.
    const replaces = verified || email === human.human.email;
    const update = replaces
      ? {
          $set: { 'human.email': email, 'human.emailVerified': verified || Boolean(human.human.emailVerified) },
          $unset: { 'human.pendingEmail': 1 },
        }
      : { $set: { 'human.pendingEmail': email } };
    const updated = await User.findOneAndUpdate({ instanceId: actor.instanceId, _id: user._id }, update, {
      returnDocument: 'after',
      runValidators: true,
    }).lean<UserDocument>();
    if (!updated) throw notFound();
    // Codes sent to the previous address (or a previous pending one) no longer verify anything.
    await dropCodes(actor.instanceId, user._id, 'emailVerification');
    await recordChange(actor, {
      orgId: user.orgId,
      type: replaces ? 'user.email.changed' : 'user.email.change.requested',
      resourceType: 'user',
      resourceId: user._id,
      payload: { email, verified: replaces && Boolean(updated.human?.emailVerified) },
    });
    if (!replaces) await sendVerificationCode(flow, actor, updated as Human, email);
    return updated;
  });
}

/** Uses an email verification code: the address it was sent to becomes the user's, verified. */
export function verifyUserEmail(
  flow: EmailFlow,
  actor: Actor,
  user: UserDocument,
  code: string,
): Promise<UserDocument> {
  return asOneChange(actor, async () => {
    const human = requireHuman(user, 'code');
    const address = addressToVerify(human);
    await useCode(flow.services, actor.instanceId, user._id, 'emailVerification', address, code);
    const updated = await User.findOneAndUpdate(
      {
        instanceId: actor.instanceId,
        _id: user._id,
        ...(human.human.pendingEmail ? { 'human.pendingEmail': address } : { 'human.email': address }),
      },
      { $set: { 'human.email': address, 'human.emailVerified': true }, $unset: { 'human.pendingEmail': 1 } },
      { returnDocument: 'after' },
    ).lean<UserDocument>();
    if (!updated) throw invalidField('code', 'the code is wrong, expired or used');
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.email.verified',
      resourceType: 'user',
      resourceId: user._id,
      payload: { email: address },
    });
    return updated;
  });
}

/**
 * Emails the user, at their current address, a link of `purpose` (the login UI's page, domain/rules/email-links.ts)
 * with a fresh code; answers the address it went to.
 */
export async function emailLinkToUser(
  flow: EmailFlow,
  actor: Actor,
  user: Human,
  purpose: 'passwordReset' | 'invitation',
  template: string,
): Promise<string> {
  await requireEmailDelivery(flow.services.config, actor.instanceId);
  const address = user.human.email;
  const { code, validSeconds } = await issueCode(flow.services, actor.instanceId, user, purpose, address);
  const org = await findOrg(actor.instanceId, user.orgId);
  await enqueueUserEmail(flow.services.masterKey, flow.instance, user, address, template, {
    displayName: displayNameOf(user),
    loginName: loginNameOf(user, { primaryDomain: org?.primaryDomain ?? '' }),
    link: emailLink(flow.instance.issuer, purpose, user._id, code),
    validHours: hours(validSeconds),
  });
  return address;
}

/** Emails the user a link to set a new password. */
export function requestPasswordReset(flow: EmailFlow, actor: Actor, user: UserDocument): Promise<void> {
  return asOneChange(actor, async () => {
    await emailLinkToUser(flow, actor, requireHuman(user, 'user'), 'passwordReset', 'password-reset');
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.password.reset.requested',
      resourceType: 'user',
      resourceId: user._id,
    });
  });
}

/**
 * Sets a new password with a reset code (for the login UI's reset page; the caller checks the password against the
 * org's complexity policy). The code must have been sent to the user's current address.
 */
export function resetPasswordWithCode(
  flow: EmailFlow,
  actor: Actor,
  user: UserDocument,
  code: string,
  password: string,
): Promise<void> {
  return asOneChange(actor, async () => {
    const human = requireHuman(user, 'code');
    await useCode(flow.services, actor.instanceId, user._id, 'passwordReset', human.human.email, code);
    await User.updateOne({ instanceId: actor.instanceId, _id: user._id }, { $set: await newPasswordFields(password) });
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.password.reset',
      resourceType: 'user',
      resourceId: user._id,
    });
  });
}
