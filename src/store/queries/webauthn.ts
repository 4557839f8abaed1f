import type { Collection } from 'mongodb';
import { createHash } from 'node:crypto';
import { UserFactor, type UserFactorDocument } from '../models/user-factor.ts';
import { WebauthnChallenge } from '../models/webauthn-challenge.ts';
import { isDuplicateKeyError } from './array-rewrite.ts';

/**
 * The `_id` of the factor of a credential: derived from the instance and the credential id, so the database refuses a
 * second registration of one credential in an instance even when two race. A unique index on `webauthn.credentialId`
 * would not do: FerretDB v1 treats the fields missing from the other factor types differently from MongoDB in unique
 * compound indexes (docs/portable-mongodb.md), while `_id` is unique everywhere.
 */
export function webauthnFactorId(instanceId: string, credentialId: string): string {
  return `webauthn-${createHash('sha256').update(`${instanceId}\0${credentialId}`).digest('base64url')}`;
}

export interface NewWebauthnFactor {
  instanceId: string;
  userId: string;
  orgId: string;
  name: string;
  webauthn: { credentialId: string; publicKey: string; signCount: number; transports: string[]; discoverable: boolean };
}

/** Stores an active WebAuthn factor; null when its credential id is registered in the instance already. */
export async function insertWebauthnFactor(factor: NewWebauthnFactor): Promise<UserFactorDocument | null> {
  try {
    const created = await UserFactor.create({
      ...factor,
      _id: webauthnFactorId(factor.instanceId, factor.webauthn.credentialId),
      type: 'webauthn',
      state: 'active',
    });
    return created.toObject() as UserFactorDocument;
  } catch (error) {
    if (isDuplicateKeyError(error)) return null;
    throw error;
  }
}

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
  // Through the driver, not the model: nothing cached reads a counter (store/models/user-factor.ts), and the model
  // would drop the instance's caches on every security key or passkey login.
  const factors = UserFactor.collection as unknown as Collection<{ _id: string }>;
  const updated = await factors.updateOne(
    { instanceId, _id: factorId, 'webauthn.signCount': { $lt: signCount } },
    { $set: { 'webauthn.signCount': signCount } },
  );
  return updated.modifiedCount === 1;
}
