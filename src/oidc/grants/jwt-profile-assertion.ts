import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { errors } from 'oidc-provider';
import { machineKeysOf } from '../../domain/commands/machine-keys.ts';
import { EC_CLIENT_ALGS, RSA_CLIENT_ALGS } from '../../domain/rules/jwk.ts';
import { keyIsUnexpired } from '../../domain/rules/key-sets.ts';
import { findActiveAccount } from '../../store/queries/accounts.ts';
import { CLOCK_TOLERANCE_SECONDS } from '../client-assertions.ts';

/** ZITADEL's limit on a JWT profile assertion: issued at most an hour ago, and valid for at most an hour. */
const MAX_ASSERTION_AGE_SECONDS = 3600;

/** A JWT bearer assertion that passed every check: the machine user it stands for and the key that signed it. */
export interface VerifiedAssertion {
  userId: string;
  keyId: string;
}

/** The reason goes out as the description: about the assertion only, never whether a user or key exists. */
function refuse(reason: string): errors.InvalidGrant {
  const error = new errors.InvalidGrant(reason);
  error.error_description = `invalid assertion: ${reason}`;
  return error;
}

const NO_SUCH_KEY = 'kid names no unexpired key of an active machine user of an active org (iss)';

function algorithmsFor(jwk: Record<string, unknown>): readonly string[] {
  if (typeof jwk.alg === 'string') return [jwk.alg];
  return jwk.kty === 'EC' ? EC_CLIENT_ALGS : RSA_CLIENT_ALGS;
}

/** The unverified header and claims, only to find the key (every claim is checked against the key's signature). */
function decode(assertion: string): { kid: unknown; alg: unknown; iss: unknown; sub: unknown } {
  try {
    const { kid, alg } = decodeProtectedHeader(assertion);
    const { iss, sub } = decodeJwt(assertion);
    return { kid, alg, iss, sub };
  } catch {
    throw refuse('not a signed JWT');
  }
}

/** The time checks jose leaves open: `iat` is required, not in the future, and `exp` at most an hour ahead. */
function checkTimes(iat: unknown, exp: unknown): void {
  const now = Math.floor(Date.now() / 1000);
  if (typeof iat !== 'number' || iat > now + CLOCK_TOLERANCE_SECONDS) throw refuse('iat missing or in the future');
  if (typeof exp !== 'number' || exp > now + MAX_ASSERTION_AGE_SECONDS + CLOCK_TOLERANCE_SECONDS)
    throw refuse(`exp more than ${MAX_ASSERTION_AGE_SECONDS} seconds ahead`);
}

/**
 * ZITADEL's checks of a JWT profile assertion (internal/api/oidc/token_jwt_profile.go with zitadel/oidc's
 * op.VerifyJWTAssertion): `iss` = `sub` = the id of an active machine user of an active org; the header's `kid` names
 * an unexpired key of that user, which signed it; `aud` holds the issuer; `exp` has not passed and is at most an hour
 * ahead; `iat` is at most an hour ago and not in the future; `nbf`, if present, has passed. Every failure is
 * `invalid_grant` (RFC 7523 §3.1).
 */
export async function verifyJwtProfileAssertion(
  instance: { _id: string; issuer: string },
  assertion: string,
): Promise<VerifiedAssertion> {
  const { kid, alg, iss, sub } = decode(assertion);
  if (typeof sub !== 'string' || !sub || iss !== sub) throw refuse('iss and sub must both be the user id');
  if (typeof kid !== 'string') throw refuse('the header names no key (kid)');
  const account = await findActiveAccount(instance._id, sub);
  const key =
    account?.user.type === 'machine' ? machineKeysOf(account.user).find((candidate) => candidate.keyId === kid) : null;
  if (!key || !keyIsUnexpired(key)) throw refuse(NO_SUCH_KEY);
  const algorithms = algorithmsFor(key.jwk);
  if (typeof alg !== 'string' || !algorithms.includes(alg)) throw refuse(`alg must be one of ${algorithms.join(', ')}`);
  try {
    const { payload } = await jwtVerify(assertion, await importJWK(key.jwk as JWK, alg), {
      algorithms: [...algorithms],
      issuer: sub,
      subject: sub,
      audience: instance.issuer,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: MAX_ASSERTION_AGE_SECONDS,
      requiredClaims: ['exp', 'iat'],
    });
    checkTimes(payload.iat, payload.exp);
  } catch (error) {
    if (error instanceof errors.InvalidGrant) throw error;
    throw refuse((error as Error).message);
  }
  return { userId: sub, keyId: key.keyId };
}
