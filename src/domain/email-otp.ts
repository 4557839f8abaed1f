import { User, UserFactor } from '../store/models/index.ts';
import type { UserDocument } from '../store/models/user.ts';
import type { UserFactorDocument } from '../store/models/user-factor.ts';
import { findOrg } from '../store/queries/accounts.ts';
import { findScoped } from '../store/queries/scoped.ts';
import { deleteUserFactors } from '../store/queries/user-factors.ts';
import { consumeMatchingCode, issueCode, newestCodeIssuedAt, type CodeServices } from './codes.ts';
import { asOneChange, recordChange, type Actor } from './commands/changes.ts';
import type { FactorOwner } from './commands/user-factors.ts';
import { displayNameOf } from './commands/users.ts';
import { emailDeliveryAvailable, enqueueUserEmail, requireEmailDelivery, type EmailInstance } from './emails.ts';
import { conflict } from './errors.ts';
import { policyOf } from './login.ts';
import { secondFactorAllowed } from './rules/webauthn.ts';

/**
 * One-time codes by email as a second factor (ZITADEL's `otp_email`, policy value OTP_EMAIL): a 6-digit code, valid
 * `codeLifetimes.emailOtpSeconds` (5 minutes, as ZITADEL's OTP email generator), single-use and stored as a keyed hash
 * (domain/codes.ts), sent to the user's verified address, which ZITADEL requires as well before the factor is added.
 * A check counts toward `maxOtpAttempts` like a TOTP code (domain/second-factor.ts); RFC 8176 `amr` `otp`.
 */

/** A new code is sent at most every RESEND_SECONDS per user, so a login page cannot be used to flood an inbox. */
export const EMAIL_OTP_RESEND_SECONDS = 30;

export type EmailOtpSending =
  | { outcome: 'sent'; to: string; validSeconds: number }
  | { outcome: 'wait'; seconds: number }
  | { outcome: 'unavailable' };

type Recipient = UserDocument & { human: NonNullable<UserDocument['human']> };

/** The user with a verified address to send codes to, or null. */
async function recipientOf(instanceId: string, userId: string): Promise<Recipient | null> {
  const user = await findScoped(User, instanceId, userId);
  return user?.human?.emailVerified ? (user as Recipient) : null;
}

/** Whether the user could get codes by email now: a verified address, and the instance can send messages. */
export async function emailOtpAvailable(services: CodeServices, instanceId: string, userId: string): Promise<boolean> {
  return (
    (await recipientOf(instanceId, userId)) !== null && (await emailDeliveryAvailable(services.config, instanceId))
  );
}

/** Emails the user a new sign-in code (their older one stops counting), unless one went out moments ago. */
export async function sendEmailOtp(
  services: CodeServices,
  instance: EmailInstance,
  userId: string,
): Promise<EmailOtpSending> {
  const user = await recipientOf(instance._id, userId);
  if (!user || !(await emailDeliveryAvailable(services.config, instance._id))) return { outcome: 'unavailable' };
  const issuedAt = await newestCodeIssuedAt(services, instance._id, userId, 'emailOtp');
  const elapsed = issuedAt ? (Date.now() - issuedAt.getTime()) / 1000 : Infinity;
  if (elapsed < EMAIL_OTP_RESEND_SECONDS)
    return { outcome: 'wait', seconds: Math.ceil(EMAIL_OTP_RESEND_SECONDS - elapsed) };
  const to = user.human.email;
  const { code, validSeconds } = await issueCode(services, instance._id, user, 'emailOtp', to);
  await enqueueUserEmail(services.masterKey, instance, user, to, 'email-otp', {
    displayName: displayNameOf(user),
    code,
    validMinutes: Math.round(validSeconds / 60),
  });
  return { outcome: 'sent', to, validSeconds };
}

/** Uses up the user's emailed code if `code` is it, sent to the address they have now. The caller counts attempts. */
export async function checkEmailOtp(
  services: CodeServices,
  instanceId: string,
  userId: string,
  code: string,
): Promise<boolean> {
  const user = await recipientOf(instanceId, userId);
  if (!user) return false;
  return (await consumeMatchingCode(services, instanceId, userId, 'emailOtp', user.human.email, code)) !== null;
}

/**
 * Starts setting up email codes: a pending factor (replacing one not confirmed before) and a first code, which
 * confirmEmailOtpEnrollment takes. Null when the user already has the factor or cannot get codes.
 */
export async function startEmailOtpEnrollment(
  services: CodeServices,
  instance: EmailInstance,
  actor: Actor,
  user: FactorOwner,
): Promise<{ factorId: string; sending: EmailOtpSending } | null> {
  const { instanceId } = actor;
  if (await UserFactor.exists({ instanceId, userId: user._id, type: 'otp_email', state: 'active' })) return null;
  if (!(await emailOtpAvailable(services, instanceId, user._id))) return null;
  await deleteUserFactors(instanceId, { userId: user._id, type: 'otp_email' });
  const factor = await UserFactor.create({
    instanceId,
    userId: user._id,
    orgId: user.orgId,
    type: 'otp_email',
    name: 'Codes by email',
    state: 'pending',
  });
  return { factorId: factor._id, sending: await sendEmailOtp(services, instance, user._id) };
}

/** Confirms a pending email-code factor with the code sent for it; false when the code is wrong or the factor gone. */
export async function confirmEmailOtpEnrollment(
  services: CodeServices,
  actor: Actor,
  user: FactorOwner,
  factorId: string,
  code: string,
): Promise<boolean> {
  const { instanceId } = actor;
  const pending = { instanceId, _id: factorId, userId: user._id, type: 'otp_email', state: 'pending' } as const;
  if (!(await UserFactor.exists(pending))) return false;
  if (!(await checkEmailOtp(services, instanceId, user._id, code))) return false;
  return asOneChange(actor, async () => {
    const activated = await UserFactor.updateOne(pending, { $set: { state: 'active' } });
    if (activated.modifiedCount !== 1) return false;
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.mfa.added',
      resourceType: 'user',
      resourceId: user._id,
      payload: { factorId, factorType: 'otp_email' },
    });
    return true;
  });
}

/**
 * A manager turns codes by email on for a user (ZITADEL's AddOTPEmail): no first code, since the address is verified
 * already. 409 when the address is not verified, the user's login policy does not allow `otp_email`, the instance
 * cannot send email, or the user has the factor.
 */
export async function addEmailOtpFactor(
  services: CodeServices,
  instance: EmailInstance,
  actor: Actor,
  user: UserDocument,
): Promise<UserFactorDocument> {
  const { instanceId } = actor;
  if (!user.human?.emailVerified) throw conflict('the user has no verified email address to send codes to');
  const policy = policyOf(instance, await findOrg(instanceId, user.orgId));
  if (!secondFactorAllowed(policy, 'otp_email'))
    throw conflict("the login policy of the user's org does not allow otp_email in secondFactors");
  await requireEmailDelivery(services.config, instanceId);
  if (await UserFactor.exists({ instanceId, userId: user._id, type: 'otp_email', state: 'active' }))
    throw conflict('the user has codes by email already');
  return asOneChange(actor, async () => {
    await deleteUserFactors(instanceId, { userId: user._id, type: 'otp_email' });
    const factor = await UserFactor.create({
      instanceId,
      userId: user._id,
      orgId: user.orgId,
      type: 'otp_email',
      name: 'Codes by email',
      state: 'active',
    });
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.mfa.added',
      resourceType: 'user',
      resourceId: user._id,
      payload: { factorId: factor._id, factorType: 'otp_email' },
    });
    return factor.toObject() as UserFactorDocument;
  });
}
