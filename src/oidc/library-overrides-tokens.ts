/**
 * The node-oidc-provider methods Castellan replaces to shape the tokens it stores (split from
 * oidc/library-overrides.ts, which installs them; the same rules apply: each names the 9.13.3 library code whose
 * behaviour it changes, and test/oidc/library-overrides*.test.ts checks that behaviour).
 */
import type { AccessToken, AdapterPayload, ClientCredentials, RefreshToken } from 'oidc-provider';
import Provider from 'oidc-provider';
import { refreshedAudience } from '../domain/rules/audience.ts';
import { signAccessToken } from './access-tokens.ts';
import { clientInfo } from './clients.ts';
import { exchangedTokenShape, keptActor, type ActorClaim } from './grants/exchanged-tokens.ts';
import { bindingFor, type TokenBinding } from './token-binding.ts';
import type { TenantKeys } from './tenant-keys.ts';
import type { InstanceRecord } from './tenants.ts';
import { audienceOf, keptAudience } from './token-policies.ts';

/** The token models' serializer (lib/models/formats/index.js), which @types/oidc-provider does not declare. */
interface SerializedToken {
  getValueAndPayload(): Promise<{ value: string; payload?: AdapterPayload }>;
}

interface TokenContext {
  instance: InstanceRecord;
  keys: TenantKeys;
}

/**
 * The refresh token a refresh grant's access token is issued from (or its rotated successor,
 * `ctx.oidc.entities.RefreshToken`, lib/actions/grants/refresh_token.js): it holds the grant's first audience, and
 * the actor of an exchanged grant (`keepGrantAudienceAndActor`).
 */
function redeemedRefreshToken(token: AccessToken | ClientCredentials): RefreshToken | undefined {
  const refreshToken = Provider.ctx?.oidc.entities.RefreshToken;
  if (!refreshToken || !('grantId' in token) || refreshToken.grantId !== token.grantId) return undefined;
  return refreshToken;
}

/**
 * 9.13.3 `AccessToken#getValueAndPayload` and `ClientCredentials#getValueAndPayload` (lib/models/formats/opaque.js,
 * as configured here) give a random opaque value, stored with its payload. Castellan's tokens:
 * - every access token stores its ZITADEL audience (`aud`), which introspection and the management API read; a
 *   refreshed one never has a wider audience than the grant's first tokens (`keepGrantAudienceAndActor`);
 * - JWT access tokens (app or machine setting) are signed here (oidc/access-tokens.ts), and still stored under their
 *   `jti`, so they are introspectable and revocable, and usable at userinfo;
 * - opaque client-credentials tokens are sealed (they carry their payload, encrypted) and not stored: they belong to
 *   no grant, so nothing needs to find them but their holder, and issuing one costs no database write;
 * - client-credentials tokens carry their binding to the machine user and its secret (oidc/token-binding.ts);
 * - tokens issued by token exchange keep the audience, format and `act` claim it decided (oidc/grants/); tokens
 *   refreshed from an exchange keep its `act` claim, and take the app's format (ZITADEL's refresh does).
 */
function castellanTokenValues(provider: Provider, { instance, keys }: TokenContext): void {
  for (const Model of [provider.AccessToken, provider.ClientCredentials]) {
    const prototype = Model.prototype as (AccessToken | ClientCredentials) & SerializedToken;
    const opaque = prototype.getValueAndPayload;
    prototype.getValueAndPayload = async function castellanValueAndPayload(
      this: (AccessToken | ClientCredentials) & SerializedToken,
    ) {
      const info = this.client ? clientInfo(this.client) : null;
      const exchanged = exchangedTokenShape(this);
      const refreshToken = redeemedRefreshToken(this);
      const act = exchanged?.act ?? keptActor(refreshToken);
      if (info) {
        const current = audienceOf(instance, this, info);
        const first = keptAudience(refreshToken);
        this.aud = exchanged?.audience ?? (first ? refreshedAudience(first, current, this.clientId ?? '') : current);
      }
      // A grant that bound the token itself (the JWT bearer grant, to its key: oidc/grants/jwt-bearer.ts) keeps that.
      if (Model === provider.ClientCredentials) (this as BoundToken).binding ??= bindingFor(this.client);
      const result = await opaque.call(this);
      if (!result.payload) return result;
      if (act) result.payload.extra = { ...result.payload.extra, act };
      if (info && (exchanged ? exchanged.format === 'jwt' : info.accessTokenType === 'jwt'))
        return { value: await signAccessToken(instance, keys, this, info, result.payload), payload: result.payload };
      if (Model === provider.ClientCredentials) return { value: keys.clientCredentialsSealer.seal(result.payload) };
      return result;
    };
  }
}

/** A client-credentials token with its binding (oidc/token-binding.ts), kept in its payload (`keepInPayload`). */
interface BoundToken {
  binding?: TokenBinding | undefined;
}

/**
 * 9.13.3 `ClientCredentials.IN_PAYLOAD` and `RefreshToken.IN_PAYLOAD` (lib/models/) list the fields a token keeps in
 * its payload; anything else is dropped when it is stored and when it is found. Client-credentials tokens also keep
 * their binding (oidc/token-binding.ts), so the management API and introspection know which user a token was issued
 * to; refresh tokens keep their grant's first audience and an exchange's actor (`keepGrantAudienceAndActor`). The
 * library reads the list once per model, when the first token is built: this runs when the provider is built.
 */
function keepInPayload(provider: Provider): void {
  for (const [Model, field] of [
    [provider.ClientCredentials, 'binding'],
    [provider.RefreshToken, 'aud'],
    [provider.RefreshToken, 'act'],
  ] as const) {
    const fields = Model.IN_PAYLOAD as string[];
    Object.defineProperty(Model, 'IN_PAYLOAD', { configurable: true, get: () => [...fields, field] });
  }
}

/**
 * 9.13.3 `RefreshToken#save` (lib/models/base_token.js) stores what the grant built it with
 * (lib/helpers/grant_common.js `issueTokens`, after the access token; lib/actions/grants/refresh_token.js, copying
 * the rotated token's fields it knows). Castellan's refresh tokens also keep the audience of the grant's first access
 * token, from one rotation to the next, as ZITADEL keeps the session's audience (internal/command/oidc_session.go):
 * OIDC Core 12.2 asks a refreshed ID token for the first one's `aud`, and a refreshed access token never gets a wider
 * one, even when the project gained a client since. A refresh token of an exchange keeps its actor, as ZITADEL's
 * refreshed tokens keep the session's (`AccessTokenActor`): they stay impersonation tokens.
 */
function keepGrantAudienceAndActor(provider: Provider): void {
  const { prototype } = provider.RefreshToken;
  const save = prototype.save;
  prototype.save = function saveWithAudienceAndActor(this: RefreshToken & { aud?: string[]; act?: ActorClaim }) {
    const entities = Provider.ctx?.oidc.entities;
    this.aud ??= keptAudience(entities?.RotatedRefreshToken) ?? keptAudience(entities?.AccessToken);
    this.act ??= keptActor(entities?.RotatedRefreshToken);
    return save.call(this);
  };
}

/** Installs the token replacements on one instance's provider. */
export function overrideTokenMethods(provider: Provider, context: TokenContext): void {
  keepInPayload(provider);
  castellanTokenValues(provider, context);
  keepGrantAudienceAndActor(provider);
}
