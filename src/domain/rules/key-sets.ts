import { jwkThumbprint } from './jwk.ts';

/** A public key an application or a machine user authenticates with, as it is stored. */
export interface StoredPublicKey {
  keyId: string;
  /** The public JWK (without kid: the key id is served or looked up as the kid). */
  jwk: Record<string, unknown>;
  expiresAt?: Date | null;
}

/** How many keys one application or machine user holds at most (rotation needs two; twenty is generous). */
export const MAX_KEYS_PER_HOLDER = 20;

/** Why `key` cannot join the key set (the same key twice, a taken key id, too many keys), or null. */
export function keyAdditionProblem(
  keys: readonly StoredPublicKey[],
  key: StoredPublicKey,
  holder: string,
): string | null {
  const thumbprint = jwkThumbprint(key.jwk);
  if (keys.some((existing) => existing.keyId === key.keyId)) return `the key id ${key.keyId} is taken`;
  if (keys.some((existing) => jwkThumbprint(existing.jwk) === thumbprint)) return 'this key is already registered';
  if (keys.length >= MAX_KEYS_PER_HOLDER)
    return `${holder} holds at most ${MAX_KEYS_PER_HOLDER} keys; remove one first`;
  return null;
}

/** Whether the key may be used at `now` (ms): a key without an expiry never expires. */
export function keyIsUnexpired(key: { expiresAt?: Date | null }, now = Date.now()): boolean {
  return !key.expiresAt || key.expiresAt.getTime() > now;
}
