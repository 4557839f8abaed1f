import { errors, type Configuration } from 'oidc-provider';

type AssertionCheck = NonNullable<Configuration['assertJwtClientAuthClaimsAndHeader']>;

/** The provider's clock tolerance (its default), set explicitly so that the assertion checks below use the same. */
export const CLOCK_TOLERANCE_SECONDS = 15;
/** ZITADEL's limit on a client assertion's lifetime. */
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;

/**
 * private_key_jwt client assertions, after the provider verified the signature, `iss`, `exp`, and that `aud` holds
 * one of the issuer, the token endpoint URL or the endpoint's own URL (lib/shared/jwt_client_auth.js). Castellan
 * accepts only the issuer identifier as the audience, as a string or as an array holding only it (what ZITADEL's SDKs
 * send; the private_key_jwt audience-injection advisories of 2025), and an assertion of at most an hour, issued no
 * later than now (within the clock tolerance): a leaked or injected assertion is of no use elsewhere or for long.
 */
export const assertClientAssertion: AssertionCheck = (ctx, claims) => {
  const { aud, iat, exp } = claims;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (audiences.length !== 1 || audiences[0] !== ctx.oidc.issuer)
    throw new errors.InvalidClientAuth('audience (aud) must be the issuer identifier, and only it');
  const now = Math.floor(Date.now() / 1000);
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + CLOCK_TOLERANCE_SECONDS))
    throw new errors.InvalidClientAuth('the client assertion is issued in the future (iat)');
  const issuedAt = typeof iat === 'number' ? iat : now;
  if (typeof exp !== 'number' || exp - issuedAt > MAX_ASSERTION_LIFETIME_SECONDS)
    throw new errors.InvalidClientAuth(`a client assertion may live at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
};
