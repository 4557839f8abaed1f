import { createHmac, type KeyObject } from 'node:crypto';
import { CookieSigner } from './cookie-signer.ts';
import type { MasterKey } from './crypto.ts';
import { TokenSealer } from './token-sealer.ts';

/** The key for keyed hashes of client secrets and personal access tokens. */
export function clientSecretHashKey(masterKey: MasterKey): KeyObject {
  return masterKey.hmacKey('client-secret-hash');
}

/**
 * Signs and checks one instance's cookies, the provider's and the login UI's (one key today; rotation prepends): a
 * cookie signed for one instance is forged at any other.
 */
export function cookieSigner(masterKey: MasterKey, instanceId: string): CookieSigner {
  return new CookieSigner([masterKey.derive(`cookie-keys:1:${instanceId}`).toString('base64url')]);
}

/** Seals one instance's self-contained client-credentials tokens (see oidc/library-overrides.ts). */
export function clientCredentialsSealer(masterKey: MasterKey, instanceId: string): TokenSealer {
  return new TokenSealer(masterKey.derive('token-sealing:1'), `${instanceId}:ClientCredentials`);
}

/**
 * The id of a rotated refresh token's successor, derived from its predecessor's (oidc/refresh-rotation.ts): a keyed
 * hash, so only the server can compute it (the holder of a used token cannot guess what it was rotated into), and the
 * same for every process of the instance, so that the successor's insert is where concurrent rotations collide.
 */
export function refreshTokenSuccessor(masterKey: MasterKey, instanceId: string): (jti: string) => string {
  const key = masterKey.hmacKey('refresh-token-successor:1');
  return (jti) => createHmac('sha256', key).update(`${instanceId}:${jti}`).digest('base64url');
}
