import { createLocalJWKSet, importJWK, type JWK, type JWTVerifyGetKey } from 'jose';
import type { MasterKey } from '../platform/crypto.ts';
import { clientCredentialsSealer, cookieSigner, refreshTokenSuccessor } from '../platform/derived-keys.ts';
import type { CookieSigner } from '../platform/cookie-signer.ts';
import { verifiedJwtId } from '../platform/jwt-id.ts';
import type { TokenSealer } from '../platform/token-sealer.ts';
import { loadSigningJwks } from '../store/queries/signing-keys.ts';
import type { JwtResolver } from './adapter.ts';
import type { InstanceRecord } from './tenants.ts';

const PRIVATE_PARTS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

/** The keys of one instance's provider: what it signs with, and what its own JWTs are verified against. */
export interface TenantKeys {
  /** The provider's signing keys (active RS256 first). */
  privateJwks: JWK[];
  /** The `jti` of a JWT access token this instance issued, or null. */
  resolveJwt: JwtResolver;
  /** The public keys the instance's own JWTs (ID tokens, JWT access tokens) are verified against. */
  publicKeySet: JWTVerifyGetKey;
  /** Signs JWT access tokens (RS256, as ZITADEL does by default). */
  signingKey: CryptoKey | Uint8Array;
  signingKid: string;
  /** Seals opaque client-credentials tokens. */
  clientCredentialsSealer: TokenSealer;
  /** Signs the instance's cookies (the provider's and the login UI's). */
  cookieKeys: CookieSigner;
  /** The id a rotated refresh token's successor gets (oidc/refresh-rotation.ts). */
  refreshTokenSuccessor: (jti: string) => string;
}

export async function loadTenantKeys(instance: InstanceRecord, masterKey: MasterKey): Promise<TenantKeys> {
  const privateJwks = await loadSigningJwks(instance._id, masterKey);
  const publicJwks = privateJwks.map(
    (jwk) => Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_PARTS.includes(name))) as JWK,
  );
  const keySet = createLocalJWKSet({ keys: publicJwks });
  const signing = privateJwks.find((jwk) => jwk.alg === 'RS256');
  if (!signing?.kid) throw new Error(`instance ${instance._id} has no RS256 signing key`);
  return {
    privateJwks,
    resolveJwt: (value) => verifiedJwtId(value, keySet, instance.issuer),
    publicKeySet: keySet,
    signingKey: await importJWK(signing, 'RS256'),
    signingKid: signing.kid,
    clientCredentialsSealer: clientCredentialsSealer(masterKey, instance._id),
    cookieKeys: cookieSigner(masterKey, instance._id),
    refreshTokenSuccessor: refreshTokenSuccessor(masterKey, instance._id),
  };
}
