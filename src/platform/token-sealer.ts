import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[\w-]+$/;

/**
 * Self-contained opaque tokens: the token's payload, encrypted and authenticated (AES-256-GCM) under a key
 * only the provider holds, as one base64url string. Without dots, a sealed value is never taken for a JWT.
 * Its first byte names the format, so a later format or key can be told apart. The context (authenticated,
 * not carried) binds a value to what it was sealed for: a value sealed for one instance or token kind never
 * opens for another.
 */
export class TokenSealer {
  readonly #key: KeyObject;
  readonly #context: Buffer;

  constructor(key: Buffer, context: string) {
    if (key.length !== 32) throw new Error('a token sealing key must be 32 bytes');
    this.#key = createSecretKey(key);
    this.#context = Buffer.from(context, 'utf8');
  }

  seal(payload: object): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv).setAAD(this.#context);
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT_VERSION), iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The payload, or undefined for anything this sealer did not seal (unchanged). */
  open(value: string): Record<string, unknown> | undefined {
    if (!BASE64URL.test(value)) return undefined;
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length <= 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT_VERSION) return undefined;
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const body = bytes.subarray(1 + IV_BYTES, bytes.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv)
        .setAAD(this.#context)
        .setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const payload: unknown = JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'));
      return payload && typeof payload === 'object' && !Array.isArray(payload)
        ? (payload as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
}
