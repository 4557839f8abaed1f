import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

/**
 * Every secret Castellan needs at run time is derived from one 32-byte master key (from config, or
 * generated once into DATA_DIR), so all processes that share it share cookie keys, secret-hash keys
 * and the key that encrypts signing keys at rest, with nothing secret stored in the database in clear.
 */
export class MasterKey {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('the master key must be 32 bytes');
    this.#key = key;
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(32));
  }

  static fromBase64url(encoded: string): MasterKey {
    return new MasterKey(Buffer.from(encoded, 'base64url'));
  }

  toBase64url(): string {
    return this.#key.toString('base64url');
  }

  derive(purpose: string, length = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, Buffer.alloc(0), `castellan:${purpose}`, length));
  }

  /** A derived HMAC key: node's HMAC takes a KeyObject several times faster than the same bytes as a Buffer. */
  hmacKey(purpose: string): KeyObject {
    return createSecretKey(this.derive(purpose));
  }

  encrypt(plaintext: string, purpose: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.derive(`encrypt:${purpose}`), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
  }

  decrypt(sealed: string, purpose: string): string {
    const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !tag || !body) throw new Error('malformed encrypted value');
    const decipher = createDecipheriv('aes-256-gcm', this.derive(`encrypt:${purpose}`), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }
}

/** Keyed hash for high-entropy secrets (client secrets, personal access tokens): cheap and not reversible. */
export function secretHash(hashKey: KeyObject, secret: string): string {
  return createHmac('sha256', hashKey).update(secret, 'utf8').digest('base64url');
}

export function secretMatches(hashKey: KeyObject, secret: string, expectedHash: string): boolean {
  const actual = Buffer.from(secretHash(hashKey, secret));
  const expected = Buffer.from(expectedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * What a token records of the stored secret hash it was issued under (oidc/token-binding.ts): a rotated or removed
 * secret no longer matches. A hash of the keyed hash, shortened: it reveals nothing of the secret or its hash.
 */
export function credentialFingerprint(storedHash: string): string {
  return createHash('sha256').update(storedHash, 'utf8').digest('base64url').slice(0, 22);
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
