import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AccessToken, Client, IdToken, KoaContextWithOIDC } from 'oidc-provider';
import { exchangedTokenShape, keptActor } from './grants/exchanged-tokens.ts';
import type { TenantKeys } from './tenant-keys.ts';
import type { InstanceRecord } from './tenants.ts';
import { keptAudience } from './token-policies.ts';

/** The values access tokens were issued with (`AccessToken#save` returns it and keeps it nowhere): for `at_hash`. */
const issuedValues = new WeakMap<AccessToken, string>();

export function rememberIssuedValue(token: AccessToken, value: string): void {
  issuedValues.set(token, value);
}

/** `IdToken.expiresIn` (lib/models/id_token.js): the configured ID token lifetime (oidc/lifetimes.ts). */
interface IdTokenModel {
  expiresIn(ctx: KoaContextWithOIDC | undefined, token: IdToken, client: Client): number;
}

/** OIDC Core 3.1.3.6 `at_hash`: the left half of the SHA-256 hash (the hash of RS256) of the token's value. */
function leftHalfHash(value: string): string {
  const digest = createHash('sha256').update(value).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Hashes a grant set by value (`IdToken#set('at_hash', token)`), as the library's `IdToken#issue` does. */
const HASHED_CLAIMS = ['at_hash', 'c_hash', 's_hash'] as const;

/** The audience as ZITADEL's `AppendClientIDToAudience` (zitadel/oidc v3 pkg/oidc/token.go) leaves it. */
function withClientId(audience: string | string[] | undefined, clientId: string): string[] {
  const values = audience === undefined ? [] : Array.isArray(audience) ? audience : [audience];
  return values.includes(clientId) ? values : [...values, clientId];
}

/**
 * The audience an ID token names besides its client: token exchange's (narrowed) audience, as ZITADEL passes it to
 * `createIDToken` (internal/api/oidc/token_exchange.go), also for an ID token issued alone; with an access token, the
 * grant's first audience, which its refresh token keeps (OIDC Core 12.2: a refreshed ID token's `aud` is the first
 * one's; oidc/library-overrides-tokens.ts), else that access token's.
 */
function audienceBesidesClient(token: IdToken, issuedWith: AccessToken | undefined): string | string[] | undefined {
  const exchanged = exchangedTokenShape(token)?.audience;
  if (exchanged) return exchanged;
  if (!issuedWith) return undefined;
  return keptAudience(token.ctx?.oidc.entities.RefreshToken) ?? issuedWith.aud;
}

/**
 * The ID token as ZITADEL signs it (`createIDToken`, internal/api/oidc/token.go, with zitadel/oidc v3
 * `NewIDTokenClaims`): `aud` is the session audience (every client id of the project, the project id, the `:aud`
 * projects, docs/zitadel-behaviour.md §1.2; `audienceBesidesClient`) plus the client id, `azp`
 * and `client_id` are the client id, and `at_hash` hashes that access token. Castellan issues ID tokens only at the
 * token endpoint (response type `code`), always with an access token; `c_hash` and `s_hash` belong to ID tokens
 * returned from the authorization endpoint (hybrid flows), which Castellan does not offer. The other claims are the
 * ones the provider decided (`IdToken#payload`: the account's claims as its scopes allow, `nonce`); signed with the
 * instance's RS256 key, the algorithm of every Castellan client's ID tokens (oidc/configuration.ts `clientDefaults`).
 */
export async function signIdToken(instance: InstanceRecord, keys: TenantKeys, token: IdToken): Promise<string> {
  const expiresInSeconds = (token.constructor as unknown as IdTokenModel).expiresIn(token.ctx, token, token.client);
  const { clientId } = token.client;
  const accessToken = token.ctx?.oidc.entities.AccessToken;
  // The access token issued with this ID token; token exchange's context also holds the subject token, not issued now.
  const accessTokenValue = accessToken && issuedValues.get(accessToken);
  const audience = withClientId(audienceBesidesClient(token, accessTokenValue ? accessToken : undefined), clientId);
  const payload = await token.payload();
  // A refresh of an exchanged grant keeps its actor (oidc/library-overrides-tokens.ts), as ZITADEL's session does.
  payload.act ??= keptActor(token.ctx?.oidc.entities.RefreshToken);
  for (const claim of HASHED_CLAIMS)
    if (typeof payload[claim] === 'string') payload[claim] = leftHalfHash(payload[claim]);
  const now = Math.floor(Date.now() / 1000);
  // The app's clock skew moves `iat` back (oidc/accounts.ts); the ID token lifetime includes it (oidc/lifetimes.ts).
  const iat = typeof payload.iat === 'number' ? payload.iat : now;
  return new SignJWT({
    ...payload,
    azp: clientId,
    client_id: clientId,
    ...(accessTokenValue ? { at_hash: leftHalfHash(accessTokenValue) } : {}),
  })
    .setProtectedHeader({ alg: 'RS256', kid: keys.signingKid })
    .setIssuer(instance.issuer)
    .setSubject(String(payload.sub))
    .setAudience(audience.length === 1 ? clientId : audience)
    .setIssuedAt(iat)
    .setExpirationTime(now + expiresInSeconds)
    .sign(keys.signingKey);
}

/** A decoded ID token (lib/helpers/jwt.js `decode`), as end_session holds the `id_token_hint`. */
export interface DecodedIdToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * The `id_token_hint` as end_session reads it: with several audiences, the one it was issued to is its `azp` (OIDC
 * Core 2), which the provider then takes for the client. The hint itself is still verified as it is, its audience
 * holding that client included (`IdToken.validate`).
 */
export function hintNamingItsClient(hint: DecodedIdToken): DecodedIdToken {
  const { aud, azp } = hint.payload;
  if (!Array.isArray(aud) || typeof azp !== 'string') return hint;
  return { ...hint, payload: { ...hint.payload, aud: azp } };
}
