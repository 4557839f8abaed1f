import { User } from '../../store/models/index.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { jwkThumbprint, type PublicSigningJwk } from '../rules/jwk.ts';
import type { StoredPublicKey } from '../rules/key-sets.ts';
import { asOneChange, changeArray, recordChange, withAddedKey, type Actor } from './changes.ts';
import { conflict, notFound } from '../errors.ts';

/**
 * ZITADEL's expiry of a machine key created without one (domain.ValidateExpirationDate,
 * internal/domain/expiration.go): stored as such, so the key file and the list say what ZITADEL's would.
 */
export const NO_EXPIRY = new Date('9999-01-01T23:59:59Z');

export interface MachineKey extends StoredPublicKey {
  expiresAt: Date;
  createdAt: Date;
}

/** A machine user's keys (the JWT bearer grant's, oidc/grants/jwt-bearer.ts), as stored: public JWKs only. */
export function machineKeysOf(user: Pick<UserDocument, 'machine'>): MachineKey[] {
  return (user.machine?.keys ?? []) as MachineKey[];
}

/** Adds a public key to a machine user; the same key twice, a taken key id, or too many keys is a 409. */
export function addMachineKey(
  actor: Actor,
  user: UserDocument,
  input: { keyId: string; jwk: PublicSigningJwk; expiresAt: Date | null },
): Promise<MachineKey> {
  return asOneChange(actor, async () => {
    if (user.type !== 'machine') throw conflict('only machine users have keys');
    const key: MachineKey = {
      keyId: input.keyId,
      jwk: { ...input.jwk },
      expiresAt: input.expiresAt ?? NO_EXPIRY,
      createdAt: new Date(),
    };
    const found = await changeArray<MachineKey>(
      User,
      { instanceId: actor.instanceId, _id: user._id, type: 'machine' },
      'machine.keys',
      (keys) => withAddedKey(keys, key, 'a machine user'),
    );
    if (!found) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.key.added',
      resourceType: 'user',
      resourceId: user._id,
      payload: { keyId: key.keyId, thumbprint: jwkThumbprint(key.jwk), expiresAt: key.expiresAt.toISOString() },
    });
    return key;
  });
}

/** Removes a machine user's key: assertions signed with it are refused, and tokens granted with it end. */
export function removeMachineKey(actor: Actor, user: UserDocument, keyId: string): Promise<void> {
  return asOneChange(actor, async () => {
    let present = false;
    const found = await changeArray<MachineKey>(
      User,
      { instanceId: actor.instanceId, _id: user._id, type: 'machine' },
      'machine.keys',
      (keys) => {
        present = keys.some((key) => key.keyId === keyId);
        return keys.filter((key) => key.keyId !== keyId);
      },
    );
    if (!found || !present) throw notFound();
    await recordChange(actor, {
      orgId: user.orgId,
      type: 'user.key.removed',
      resourceType: 'user',
      resourceId: user._id,
      payload: { keyId },
    });
  });
}
