import { SignJWT } from 'jose';
import type { AdapterPayload } from 'oidc-provider';
import { activeAccountClaims } from './claims.ts';
import type { ClientInfo } from './clients.ts';
import type { TenantKeys } from './tenant-keys.ts';
import type { InstanceRecord } from './tenants.ts';

/** An access token (user or client credentials) being issued, as the provider's token models hold it. */
export interface IssuedAccessToken {
  jti: string;
  clientId?: string | undefined;
  accountId?: string | undefined;
  scope?: string | undefined;
  aud?: string | string[] | undefined;
}

/**
 * A JWT access token (app or machine setting, docs/zitadel-behaviour.md §3): the provider's payload signed with the
 * instance's RS256 key, with the user's claims as the app's assertion switches say. It is stored like an opaque token
 * under its `jti` (by the provider, with the payload), so it can be introspected, revoked and used at userinfo.
 */
export async function signAccessToken(
  instance: InstanceRecord,
  keys: TenantKeys,
  token: IssuedAccessToken,
  info: ClientInfo,
  payload: Pick<AdapterPayload, 'iat' | 'exp' | 'extra'>,
): Promise<string> {
  const subject = token.accountId ?? info.userId ?? token.clientId ?? '';
  const claims = await activeAccountClaims(instance, subject, {
    scope: token.scope,
    target: 'access_token',
    client: info,
  });
  const iat = payload.iat ?? Math.floor(Date.now() / 1000);
  const skew = info.clockSkewSeconds;
  // `extra`: the `act` claim of a token issued by token exchange (oidc/grants/exchanged-tokens.ts).
  return new SignJWT({ ...claims, ...payload.extra, client_id: token.clientId })
    .setProtectedHeader({ alg: 'RS256', kid: keys.signingKid, typ: 'JWT' })
    .setIssuer(instance.issuer)
    .setSubject(subject)
    .setAudience(token.aud ?? [])
    .setIssuedAt(iat - skew)
    .setNotBefore(iat - skew)
    .setExpirationTime((payload.exp ?? iat) + skew)
    .setJti(token.jti)
    .sign(keys.signingKey);
}
