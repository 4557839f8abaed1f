import type { MasterKey } from '../../platform/crypto.ts';
import { secretHash } from '../../platform/crypto.ts';
import {
  newRecoveryCode,
  newTotpSecret,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
  totpStep,
  totpStepAcceptedUntil,
  totpUri,
} from '../../platform/one-time-codes.ts';
import { User, UserFactor } from '../../store/models/index.ts';
import type { UserFactorDocument } from '../../store/models/user-factor.ts';
import { advanceTotpStep, deleteUserFactors, markFactorUse } from '../../store/queries/user-factors.ts';
import { notFound } from '../errors.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

/** The purposes of the master key's derived keys for factors (platform/crypto.ts). */
const TOTP_SECRET_PURPOSE = 'totp-secret';
const RECOVERY_CODE_PURPOSE = 'recovery-code-hash';

export function sealTotpSecret(masterKey: MasterKey, secret: string): string {
  return masterKey.encrypt(secret, TOTP_SECRET_PURPOSE);
}

export function openTotpSecret(masterKey: MasterKey, sealed: string): string {
  return masterKey.decrypt(sealed, TOTP_SECRET_PURPOSE);
}

export function recoveryCodeHash(masterKey: MasterKey, typed: string): string {
  return secretHash(masterKey.hmacKey(RECOVERY_CODE_PURPOSE), normalizeRecoveryCode(typed));
}

/** The user a factor belongs to. */
export interface FactorOwner {
  _id: string;
  orgId: string;
}

export interface TotpEnrollment {
  factorId: string;
  /** Base32, to type into an authenticator app by hand. */
  secret: string;
  /** The `otpauth://` URI the QR code carries. */
  uri: string;
}

/**
 * Starts setting up an authenticator app: a new secret, stored encrypted in a pending factor (replacing one not
 * confirmed before) until a first code confirms it. `issuer` and `account` label the entry in the app.
 */
export async function startTotpEnrollment(
  actor: Actor,
  user: FactorOwner,
  masterKey: MasterKey,
  label: { issuer: string; account: string },
): Promise<TotpEnrollment> {
  const { instanceId } = actor;
  await UserFactor.deleteMany({ instanceId, userId: user._id, type: 'totp', state: 'pending' });
  const secret = newTotpSecret();
  const factor = await UserFactor.create({
    instanceId,
    userId: user._id,
    orgId: user.orgId,
    type: 'totp',
    name: 'Authenticator app',
    state: 'pending',
    totp: { sealedSecret: sealTotpSecret(masterKey, secret), lastUsedStep: 0 },
  });
  return { factorId: factor._id, secret, uri: totpUri(secret, label.issuer, label.account) };
}

/** A pending enrollment shown again (after a wrong first code), or null when it is no longer pending. */
export async function reopenTotpEnrollment(
  instanceId: string,
  user: FactorOwner,
  factorId: string,
  masterKey: MasterKey,
  label: { issuer: string; account: string },
): Promise<TotpEnrollment | null> {
  const factor = await UserFactor.findOne({ instanceId, _id: factorId, userId: user._id, state: 'pending' }).lean();
  if (!factor?.totp) return null;
  const secret = openTotpSecret(masterKey, factor.totp.sealedSecret);
  return { factorId, secret, uri: totpUri(secret, label.issuer, label.account) };
}

/**
 * Confirms a pending authenticator app with its first code: the factor becomes active (and that code is used up).
 * With `withRecoveryCodes` and no recovery codes yet, the user gets their codes, to be shown once. False when the
 * code is wrong or the enrollment is gone.
 */
export async function confirmTotpEnrollment(
  actor: Actor,
  user: FactorOwner,
  factorId: string,
  code: string,
  masterKey: MasterKey,
  withRecoveryCodes: boolean,
): Promise<{ confirmed: false } | { confirmed: true; recoveryCodes: string[] | null }> {
  const { instanceId } = actor;
  const factor = await UserFactor.findOne({
    instanceId,
    _id: factorId,
    userId: user._id,
    type: 'totp',
    state: 'pending',
  }).lean<UserFactorDocument>();
  if (!factor?.totp) return { confirmed: false };
  const step = totpStep(openTotpSecret(masterKey, factor.totp.sealedSecret), code);
  if (step === null || !(await markFactorUse(instanceId, factorId, String(step), totpStepAcceptedUntil(step))))
    return { confirmed: false };
  return asOneChange(actor, async () => {
    await UserFactor.updateOne({ instanceId, _id: factorId, state: 'pending' }, { $set: { state: 'active' } });
    await advanceTotpStep(instanceId, factorId, step);
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.mfa.added',
      resourceType: 'user',
      resourceId: user._id,
      payload: { factorId, factorType: 'totp' },
    });
    const hasCodes = await UserFactor.exists({ instanceId, userId: user._id, type: 'recovery_codes' });
    const recoveryCodes = withRecoveryCodes && !hasCodes ? await generateRecoveryCodes(actor, user, masterKey) : null;
    return { confirmed: true, recoveryCodes };
  });
}

/** New recovery codes for a user (the old ones stop working), to be shown once; stored as keyed hashes only. */
export function generateRecoveryCodes(actor: Actor, user: FactorOwner, masterKey: MasterKey): Promise<string[]> {
  return asOneChange(actor, async () => {
    const { instanceId } = actor;
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await deleteUserFactors(instanceId, { userId: user._id, type: 'recovery_codes' });
    const factor = await UserFactor.create({
      instanceId,
      userId: user._id,
      orgId: user.orgId,
      type: 'recovery_codes',
      name: 'Recovery codes',
      state: 'active',
      recoveryCodes: { codeHashes: codes.map((code) => recoveryCodeHash(masterKey, code)), issued: codes.length },
    });
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.mfa.added',
      resourceType: 'user',
      resourceId: user._id,
      payload: { factorId: factor._id, factorType: 'recovery_codes' },
    });
    return codes;
  });
}

/** Removes one factor of a user. */
export function removeUserFactor(actor: Actor, user: FactorOwner, factorId: string): Promise<void> {
  return asOneChange(actor, async () => {
    const factor = await UserFactor.findOne({ instanceId: actor.instanceId, _id: factorId, userId: user._id }).lean();
    if (!factor) throw notFound();
    await deleteUserFactors(actor.instanceId, { userId: user._id, _id: factorId });
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.mfa.removed',
      resourceType: 'user',
      resourceId: user._id,
      payload: { factorId, factorType: factor.type },
    });
  });
}

/** Removes every factor of a user (a lost phone): the next login asks them to set one up again where MFA is forced. */
export function removeAllUserFactors(actor: Actor, user: FactorOwner): Promise<number> {
  return asOneChange(actor, async () => {
    const removed = await deleteUserFactors(actor.instanceId, { userId: user._id });
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.mfa.reset',
      resourceType: 'user',
      resourceId: user._id,
      payload: { removedFactors: removed },
    });
    return removed;
  });
}

/** The user postponed setting up a second factor; the first time is kept (`mfaInitSkipLifetime` runs from it). */
export async function postponeMfaSetup(actor: Actor, user: FactorOwner): Promise<void> {
  await asOneChange(actor, async () => {
    const now = new Date();
    const first = await User.updateOne(
      { instanceId: actor.instanceId, _id: user._id, 'human.mfaInitSkippedAt': { $exists: false } },
      { $set: { 'human.mfaInitSkippedAt': now } },
    );
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.mfa.init.skipped',
      resourceType: 'user',
      resourceId: user._id,
      payload: { first: first.matchedCount === 1 },
    });
  });
}
