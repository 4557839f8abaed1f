import { createHash } from 'node:crypto';
import { importJWK, type JWK } from 'jose';

// Public keys that clients register for private_key_jwt authentication. Only what the provider accepts
// for client assertions (its default RS256, PS256, ES256) is admitted, so a registered key always works.

export const RSA_CLIENT_ALGS = ['RS256', 'PS256'] as const;
export const EC_CLIENT_ALGS = ['ES256'] as const;
export const EC_CURVES = ['P-256'] as const;
/** JWK members that only a private (or symmetric) key has. */
export const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
export const MIN_RSA_MODULUS_BITS = 2048;

export type PublicSigningJwk =
  | { kty: 'RSA'; n: string; e: string; alg?: (typeof RSA_CLIENT_ALGS)[number]; use?: 'sig' }
  | {
      kty: 'EC';
      crv: (typeof EC_CURVES)[number];
      x: string;
      y: string;
      alg?: (typeof EC_CLIENT_ALGS)[number];
      use?: 'sig';
    };

/** What is wrong with the key as a public signing key (null when it imports and is strong enough). */
export async function publicJwkProblem(jwk: PublicSigningJwk): Promise<string | null> {
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK(jwk as JWK, jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : 'ES256'));
  } catch (error) {
    return `not a usable public key (${(error as Error).message})`;
  }
  if (!(key instanceof CryptoKey) || key.type !== 'public') return 'not a public key';
  const { modulusLength } = key.algorithm as { modulusLength?: number };
  if (jwk.kty === 'RSA' && (modulusLength ?? 0) < MIN_RSA_MODULUS_BITS)
    return `an RSA modulus needs at least ${MIN_RSA_MODULUS_BITS} bits`;
  return null;
}

const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'] };

/**
 * RFC 7638 SHA-256 thumbprint (synchronous, unlike jose's): the same key has the same thumbprint whatever its optional
 * members.
 */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)] ?? [];
  const pairs = members.map((member) => `${JSON.stringify(member)}:${JSON.stringify(String(jwk[member] ?? ''))}`);
  const canonical = `{${pairs.join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}
