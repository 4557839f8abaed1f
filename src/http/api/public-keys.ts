import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import {
  EC_CLIENT_ALGS,
  EC_CURVES,
  PRIVATE_JWK_MEMBERS,
  publicJwkProblem,
  RSA_CLIENT_ALGS,
  type PublicSigningJwk,
} from '../../domain/rules/jwk.ts';
import { invalidField } from '../../domain/errors.ts';
import { newId } from '../../platform/ids.ts';
import { generateRsaKeyPair } from '../../platform/key-pairs.ts';
import { id } from './schemas.ts';

// What the key routes of applications (app-keys.ts) and machine users (machine-keys.ts) share: the public JWK a caller
// registers, or the key pair generated for a ZITADEL key file when it registers none.

const base64url = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');
// Named so that a private key is refused with a message that says why, rather than as an unknown member.
const refused = z.never({ error: 'a private key member: register the public key only' }).optional();
const privateMembers = Object.fromEntries(PRIVATE_JWK_MEMBERS.map((member) => [member, refused])) as Record<
  (typeof PRIVATE_JWK_MEMBERS)[number],
  typeof refused
>;
const common = { use: z.literal('sig').optional(), kid: id.optional(), ...privateMembers };
export const publicJwk = z.discriminatedUnion('kty', [
  z.strictObject({
    kty: z.literal('RSA'),
    n: base64url,
    e: base64url.max(16),
    alg: z.enum(RSA_CLIENT_ALGS).optional(),
    ...common,
  }),
  z.strictObject({
    kty: z.literal('EC'),
    crv: z.enum(EC_CURVES),
    x: base64url.max(64),
    y: base64url.max(64),
    alg: z.enum(EC_CLIENT_ALGS).optional(),
    ...common,
  }),
]);

/** An expiry the caller sets: absent is null, a past one is refused naming the field. */
export function futureExpiry(value: string | undefined, field: string): Date | null {
  const expiresAt = value ? new Date(value) : null;
  if (expiresAt && expiresAt.getTime() <= Date.now()) throw invalidField(field, 'must be in the future');
  return expiresAt;
}

/** A PEM public key (SPKI "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY"), as ZITADEL's AddKey takes `publicKey`. */
export const publicKeyPem = z
  .string()
  .max(4096)
  .regex(/^-----BEGIN (RSA )?PUBLIC KEY-----/, 'must be a PEM public key');

/** The key the caller sends, as a public JWK with its kid (if any), or null when it sends none. */
function callerKey(body: { jwk?: z.infer<typeof publicJwk>; publicKey?: string }): Record<string, unknown> | null {
  if (body.jwk && body.publicKey) throw invalidField('publicKey', 'send either a jwk or a publicKey, not both');
  if (body.jwk) return body.jwk;
  if (!body.publicKey) return null;
  try {
    const jwk = createPublicKey(body.publicKey).export({ format: 'jwk' });
    return jwk.kty === 'RSA' ? { kty: 'RSA', n: jwk.n, e: jwk.e } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  } catch (error) {
    throw invalidField('publicKey', `not a usable public key (${(error as Error).message})`);
  }
}

/**
 * The key to register: the caller's public key (a JWK, or PEM as ZITADEL takes it; checked), or a generated pair whose
 * private half goes out once.
 */
export async function keyToRegister(body: {
  jwk?: z.infer<typeof publicJwk>;
  publicKey?: string;
}): Promise<{ keyId: string; jwk: PublicSigningJwk; privateKeyPem: string | null }> {
  const sent = callerKey(body);
  if (!sent) {
    const generated = await generateRsaKeyPair();
    return { keyId: newId(), jwk: generated.publicJwk, privateKeyPem: generated.privateKeyPem };
  }
  const { kid, ...publicPart } = sent;
  const problem = await publicJwkProblem(publicPart as PublicSigningJwk);
  if (problem) throw invalidField(body.jwk ? 'jwk' : 'publicKey', problem);
  return { keyId: typeof kid === 'string' ? kid : newId(), jwk: publicPart as PublicSigningJwk, privateKeyPem: null };
}
