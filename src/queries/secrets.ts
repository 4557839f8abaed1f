import type { KeyObject } from 'node:crypto';
import type { MasterKey } from '../libraries/crypto.ts';

/** The key for keyed hashes of client secrets and personal access tokens. */
export function clientSecretHashKey(masterKey: MasterKey): KeyObject {
  return masterKey.hmacKey('client-secret-hash');
}

/** Cookie signing keys for the provider and the login UI, newest first. */
export function cookieKeys(masterKey: MasterKey): string[] {
  return [masterKey.derive('cookie-keys:1').toString('base64url')];
}
