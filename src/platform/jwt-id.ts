import { jwtVerify, type JWTVerifyGetKey } from 'jose';

const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** Whether a token value has the shape of a signed JWT (three base64url parts); opaque tokens never do. */
export function isCompactJwt(value: string): boolean {
  return COMPACT_JWS.test(value);
}

/**
 * The `jti` of a JWT access token, once its signature (against `keys`) and issuer are verified, or null. JWT access
 * tokens are stored under their `jti` like opaque ones, so this id is what finds, introspects and revokes them.
 */
export async function verifiedJwtId(value: string, keys: JWTVerifyGetKey, issuer: string): Promise<string | null> {
  try {
    const { payload } = await jwtVerify(value, keys, { issuer });
    return typeof payload.jti === 'string' ? payload.jti : null;
  } catch {
    return null;
  }
}
