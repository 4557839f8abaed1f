import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * What `cookies` (koa's and the provider's) asks of Keygrip, with the keys prepared once as KeyObjects and
 * digests compared with `timingSafeEqual`. Keygrip hands `createHmac` a string key, which node turns into a
 * key on every call, and its `tsscmp` compares by computing two more HMACs under a random key: three key
 * preparations and four HMACs to check one cookie (5% of a login's CPU). Same algorithm and encoding as
 * Keygrip's defaults (HMAC-SHA1, base64url), so cookies signed by either verify with the other.
 */
export class CookieSigner {
  readonly #keys: KeyObject[];

  /** `keys`: newest first; the first signs, all verify (rotation). */
  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('at least one cookie key is needed');
    this.#keys = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  }

  sign(data: string): string {
    return digest(this.#keys[0]!, data).toString('base64url');
  }

  verify(data: string, signature: string): boolean {
    return this.index(data, signature) !== -1;
  }

  /** The index of the key that made `signature`, or -1. */
  index(data: string, signature: string): number {
    const sent = Buffer.from(signature, 'base64url');
    // base64url decoding skips what it cannot read: compare the text too, so only the exact encoding passes.
    if (sent.toString('base64url') !== signature) return -1;
    return this.#keys.findIndex((key) => {
      const expected = digest(key, data);
      return sent.length === expected.length && timingSafeEqual(sent, expected);
    });
  }
}

function digest(key: KeyObject, data: string): Buffer {
  return createHmac('sha1', key).update(data).digest();
}
