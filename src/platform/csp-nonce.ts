import { randomFillSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';

const nonces = new WeakMap<ServerResponse, string>();

const NONCE_BYTES = 16;
/**
 * Random bytes drawn for 256 nonces at once: every response gets a nonce (the security headers' policy), and one
 * `randomBytes(16)` per response was a call into OpenSSL of its own (0.6% of a login's worker CPU). Same generator,
 * and no byte is used twice.
 */
const pool = Buffer.alloc(NONCE_BYTES * 256);
let offset = pool.length;

function newNonce(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const nonce = pool.toString('base64', offset, offset + NONCE_BYTES);
  offset += NONCE_BYTES;
  return nonce;
}

/**
 * The response's Content-Security-Policy nonce, made on first use: the security headers put it in the
 * policy's style-src, the pages on their `<style>` elements (the branding colours are per instance).
 */
export function cspNonce(res: ServerResponse): string {
  let nonce = nonces.get(res);
  if (!nonce) {
    nonce = newNonce();
    nonces.set(res, nonce);
  }
  return nonce;
}
