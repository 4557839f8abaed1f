import { UserFactor, type UserFactorDocument } from '../models/user-factor.ts';
import { WebauthnChallenge } from '../models/webauthn-challenge.ts';

/** Keeps `challenge` as the one a session's next WebAuthn ceremony must answer, replacing an earlier one. */
export async function saveWebauthnChallenge(
  instanceId: string,
  binding: string,
  challenge: string,
  expiresAt: Date,
): Promise<void> {
  await WebauthnChallenge.replaceOne(
    { _id: binding, instanceId },
    { _id: binding, instanceId, challenge, expiresAt },
    { upsert: true },
  );
}

/**
 * Consumes the session's challenge if it is `challenge` and has not expired: of parallel uses exactly one deletes it
 * (a single-document delete by `_id` is atomic on FerretDB v1 as on MongoDB), so an assertion is accepted once.
 */
export async function consumeWebauthnChallenge(
  instanceId: string,
  binding: string,
  challenge: string,
): Promise<boolean> {
  const deleted = await WebauthnChallenge.deleteOne({
    _id: binding,
    instanceId,
    challenge,
    expiresAt: { $gt: new Date() },
  });
  return deleted.deletedCount === 1;
}

/** The active WebAuthn factor with this credential id in this instance (of `userId` only, when given). */
export function findWebauthnFactor(
  instanceId: string,
  credentialId: string,
  userId: string | null = null,
): Promise<UserFactorDocument | null> {
  const owner = userId === null ? {} : { userId };
  return UserFactor.findOne({
    instanceId,
    type: 'webauthn',
    state: 'active',
    'webauthn.credentialId': credentialId,
    ...owner,
  })
    .lean<UserFactorDocument>()
    .exec();
}

/**
 * Moves a credential's signature counter forward; false when another assertion moved it to `signCount` or beyond in
 * the meantime (a cloned authenticator, or a replay racing this one).
 */
export async function advanceSignCount(instanceId: string, factorId: string, signCount: number): Promise<boolean> {
  const updated = await UserFactor.updateOne(
    { instanceId, _id: factorId, 'webauthn.signCount': { $lt: signCount } },
    { $set: { 'webauthn.signCount': signCount } },
  );
  return updated.modifiedCount === 1;
}
