import { cached } from '../cache/instance-cache.ts';
import { cacheKeys } from '../cache/keys.ts';
import { FactorUse, UserFactor, type FactorType, type UserFactorDocument } from '../models/user-factor.ts';
import { insertBatched } from './batched-insert.ts';

/** A user's factors, oldest first; `active` only, or with factors still being enrolled. */
export function findUserFactors(
  instanceId: string,
  userId: string,
  { includePending = false } = {},
): Promise<UserFactorDocument[]> {
  const state = includePending ? {} : { state: 'active' as const };
  return UserFactor.find({ instanceId, userId, ...state })
    .sort({ createdAt: 1, _id: 1 })
    .lean<UserFactorDocument[]>()
    .exec();
}

/**
 * A user's active factors as the login reads them on every password and code (which second factor to ask, a code's
 * factor): cached until a factor of the instance changes (the model drops the cache, store/models/user-factor.ts).
 * Shared between requests, so not to be changed. A WebAuthn assertion reads its credential fresh (its counter).
 */
export function findLoginFactors(instanceId: string, userId: string): Promise<readonly UserFactorDocument[]> {
  return cached(instanceId, cacheKeys.userFactors(userId), () => findUserFactors(instanceId, userId));
}

/**
 * Marks one use of a single-use secret of a factor (store/models/user-factor.ts, FactorUse); false when it was used
 * already, by this request's twin or long before.
 */
export async function markFactorUse(
  instanceId: string,
  factorId: string,
  use: string,
  expiresAt?: Date,
): Promise<boolean> {
  // Through the group commit: a duplicate `_id` is answered 'exists' for its own insert alone.
  return (
    (await insertBatched(FactorUse, { _id: `${factorId}:${use}`, instanceId, factorId, expiresAt })) === 'inserted'
  );
}

/**
 * Marks several uses of a factor in one group-committed insert; for each, whether it was new (markFactorUse). A use
 * whose `_id` is taken already is refused for its own insert alone.
 */
export function markFactorUses(
  instanceId: string,
  factorId: string,
  uses: ReadonlyArray<{ use: string; expiresAt: Date }>,
): Promise<boolean[]> {
  // Called in one tick, so they join one batch of the group commit (store/database/insert-batcher.ts).
  return Promise.all(uses.map(({ use, expiresAt }) => markFactorUse(instanceId, factorId, use, expiresAt)));
}

/** Moves a TOTP factor's last used step forward: codes of this step and earlier ones are refused from now on. */
export async function advanceTotpStep(instanceId: string, factorId: string, step: number): Promise<void> {
  await UserFactor.updateOne(
    { instanceId, _id: factorId, 'totp.lastUsedStep': { $lt: step } },
    { $set: { 'totp.lastUsedStep': step } },
  );
}

/** Takes a used recovery code's hash out of its factor (its marker already makes the code single-use). */
export async function pullRecoveryCode(instanceId: string, factorId: string, codeHash: string): Promise<void> {
  await UserFactor.updateOne({ instanceId, _id: factorId }, { $pull: { 'recoveryCodes.codeHashes': codeHash } });
}

/** Deletes factors of a user (one, or all) with their use markers; how many factors were deleted. */
export async function deleteUserFactors(
  instanceId: string,
  filter: { userId: string; _id?: string; type?: FactorType },
): Promise<number> {
  const factors = await UserFactor.find({ instanceId, ...filter }, { _id: 1 }).lean();
  await UserFactor.deleteMany({ instanceId, ...filter });
  await FactorUse.deleteMany({ instanceId, factorId: { $in: factors.map((factor) => factor._id) } });
  return factors.length;
}
