/**
 * Every node-oidc-provider method Castellan replaces, in one place. Each was written against oidc-provider 9.13.3
 * (package-lock.json) and names the library code whose behaviour it changes; test/oidc/library-overrides.test.ts
 * fails when an upgrade changes that behaviour (or removes the method), and the end-to-end tests show the change.
 * Everything else Castellan does with the provider goes through its configuration (oidc/configuration.ts).
 */
import type { KeyObject } from 'node:crypto';
import type { AccessToken, AdapterPayload, Claims, Client, ClientCredentials, KoaContextWithOIDC } from 'oidc-provider';
import Provider from 'oidc-provider';
import revoke from 'oidc-provider/lib/helpers/revoke.js';
import { globMatches } from '../domain/rules/uri-globs.ts';
import { secretMatches } from '../platform/crypto.ts';
import { assertedIdTokenClaims } from './accounts.ts';
import { signAccessToken } from './access-tokens.ts';
import { ConsumedByAnotherRequest, MongoAdapter } from './adapter.ts';
import { clientInfo } from './clients.ts';
import { ROUTES } from './configuration.ts';
import { addIntrospectionClaims, replaceJwtByJti } from './introspection.ts';
import { bindingFor, type TokenBinding } from './token-binding.ts';
import type { TenantKeys } from './tenant-keys.ts';
import type { InstanceRecord } from './tenants.ts';
import { audienceOf } from './token-policies.ts';
import { userinfo } from './userinfo.ts';

/** The token models' serializer (lib/models/formats/index.js), which @types/oidc-provider does not declare. */
interface SerializedToken {
  getValueAndPayload(): Promise<{ value: string; payload?: AdapterPayload }>;
}

/** The fields `Claims` sets in its constructor (lib/helpers/claims.js), which @types/oidc-provider does not declare. */
interface ClaimsFields {
  ctx?: KoaContextWithOIDC;
}

export interface OverrideContext {
  instance: InstanceRecord;
  keys: TenantKeys;
  /** The key client secrets are hashed with (platform/derived-keys.ts). */
  clientSecretHashKey: KeyObject;
}

/**
 * 9.13.3 `Client#compareClientSecret` (lib/models/client.js) compares the `client_secret` metadata with the presented
 * secret in constant time. Castellan stores only a keyed hash of each secret, so the metadata holds the hash and the
 * presented secret is hashed before the comparison.
 */
function compareHashedSecrets(provider: Provider, hashKey: KeyObject): void {
  provider.Client.prototype.compareClientSecret = function compareHashedSecret(this: Client, actual: string) {
    return secretMatches(hashKey, actual, this.clientSecret ?? '');
  };
}

/**
 * 9.13.3 `Client#redirectUriAllowed` and `#postLogoutRedirectUriAllowed` (lib/models/client.js) accept only a
 * registered URI (and loopback ports for native apps). An app in development mode (ZITADEL) registers glob patterns
 * instead, matched here; other apps keep the library's check.
 */
function matchDevModeGlobs(provider: Provider): void {
  const { prototype } = provider.Client;
  for (const [method, list] of [
    ['redirectUriAllowed', 'redirectUris'],
    ['postLogoutRedirectUriAllowed', 'postLogoutRedirectUris'],
  ] as const) {
    const exact = prototype[method];
    prototype[method] = function globRedirectAllowed(this: Client, value: string) {
      const { devMode } = clientInfo(this);
      return devMode ? devMode[list].some((pattern) => globMatches(pattern, value)) : exact.call(this, value);
    };
  }
}

/**
 * 9.13.3 `Claims#result` (lib/helpers/claims.js) emits only claims the configuration declares for the granted scopes.
 * Role, reserved and asserted claims have dynamic names (per project), which no static claim list can declare: the
 * ID token also carries the claims `findAccount` decided on (oidc/accounts.ts), as they are.
 */
function emitAssertedClaims(provider: Provider): void {
  const declaredOnly = provider.Claims.prototype.result;
  provider.Claims.prototype.result = async function withAssertedClaims(this: Claims & ClaimsFields) {
    return { ...(await declaredOnly.call(this)), ...assertedIdTokenClaims(this.ctx) };
  };
}

/**
 * 9.13.3 `AccessToken#getValueAndPayload` and `ClientCredentials#getValueAndPayload` (lib/models/formats/opaque.js,
 * as configured here) give a random opaque value, stored with its payload. Castellan's tokens:
 * - every access token stores its ZITADEL audience (`aud`), which introspection and the management API read;
 * - JWT access tokens (app or machine setting) are signed here (oidc/access-tokens.ts), and still stored under their
 *   `jti`, so they are introspectable and revocable, and usable at userinfo;
 * - opaque client-credentials tokens are sealed (they carry their payload, encrypted) and not stored: they belong to
 *   no grant, so nothing needs to find them but their holder, and issuing one costs no database write;
 * - client-credentials tokens carry their binding to the machine user and its secret (oidc/token-binding.ts).
 */
function castellanTokenValues(provider: Provider, { instance, keys }: OverrideContext): void {
  for (const Model of [provider.AccessToken, provider.ClientCredentials]) {
    const prototype = Model.prototype as (AccessToken | ClientCredentials) & SerializedToken;
    const opaque = prototype.getValueAndPayload;
    prototype.getValueAndPayload = async function castellanValueAndPayload(
      this: (AccessToken | ClientCredentials) & SerializedToken,
    ) {
      const info = this.client ? clientInfo(this.client) : null;
      if (info) this.aud = audienceOf(instance, this, info);
      if (Model === provider.ClientCredentials) (this as BoundToken).binding = bindingFor(this.client);
      const result = await opaque.call(this);
      if (!result.payload) return result;
      if (info?.accessTokenType === 'jwt')
        return { value: await signAccessToken(instance, keys, this, info, result.payload), payload: result.payload };
      if (Model === provider.ClientCredentials) return { value: keys.clientCredentialsSealer.seal(result.payload) };
      return result;
    };
  }
}

/** A client-credentials token with its binding (oidc/token-binding.ts), kept in its payload (`bindMachineTokens`). */
interface BoundToken {
  binding?: TokenBinding | undefined;
}

/**
 * 9.13.3 `ClientCredentials.IN_PAYLOAD` (lib/models/client_credentials.js) lists the fields a token keeps in its
 * payload; anything else is dropped when it is stored and when it is found. Client-credentials tokens also keep their
 * binding (oidc/token-binding.ts), so the management API and introspection know which user a token was issued to.
 * The library reads the list once per model, when the first token is built: this runs when the provider is built.
 */
function bindMachineTokens(provider: Provider): void {
  const Model = provider.ClientCredentials;
  const fields = Model.IN_PAYLOAD;
  Object.defineProperty(Model, 'IN_PAYLOAD', { configurable: true, get: () => [...fields, 'binding'] });
}

/**
 * 9.13.3 `ClientCredentials#destroy` (lib/models/base_model.js) deletes the stored token. A sealed token is not stored:
 * its revocation is (oidc/adapter.ts), until the token would have expired. A JWT is stored and deleted as well; its
 * revocation record is then redundant, and revocations are rare.
 */
function revokeSealedTokens(provider: Provider): void {
  const destroyStored = provider.ClientCredentials.prototype.destroy;
  provider.ClientCredentials.prototype.destroy = async function revokeSealedOrStored(this: ClientCredentials) {
    if (this.adapter instanceof MongoAdapter) await this.adapter.revokeSealed(this.jti, Math.max(1, this.remainingTTL));
    await destroyStored.call(this);
  };
}

/** What the consumable models have in common (@types/oidc-provider declares each on its own). */
interface Consumable {
  grantId?: string | undefined;
  consume(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * 9.13.3 `AuthorizationCode#consume`, `DeviceCode#consume` and `RefreshToken#consume` (lib/models/) leave it to the
 * adapter. Before calling it the grants check `consumed` and, when set, take the replay path: revoke the grant
 * (lib/helpers/revoke.js; for a code lib/helpers/grant_source.js `consumeGrantSource`, for a refresh token
 * lib/actions/grants/refresh_token.js, which also destroys it). Requests that read a code before any of them consumed
 * it all pass that check; the adapter lets exactly one win (oidc/adapter.ts `consume`), and the others, which lost to
 * a concurrent redemption, take the same replay path here, with the request's context (`Provider.ctx`).
 */
function revokeWhenConsumedByAnother(provider: Provider): void {
  for (const Model of [provider.AuthorizationCode, provider.DeviceCode, provider.RefreshToken]) {
    const prototype = Model.prototype as Consumable;
    const consume = prototype.consume;
    prototype.consume = async function consumeOrRevoke(this: Consumable) {
      try {
        await consume.call(this);
      } catch (error) {
        const ctx = Provider.ctx;
        if (error instanceof ConsumedByAnotherRequest && ctx)
          await Promise.all([Model === provider.RefreshToken && this.destroy(), revoke(ctx, this.grantId)]);
        throw error;
      }
    };
  }
}

/**
 * 9.13.3 endpoints (lib/actions/), changed by a middleware in front of the provider's router:
 * - userinfo is Castellan's (oidc/userinfo.ts): lib/actions/userinfo.js refuses access tokens with an audience,
 *   and every ZITADEL access token has one;
 * - introspection and revocation refuse JWTs (lib/shared/reject_structured_tokens.js): a JWT access token becomes
 *   its `jti` before the provider reads the request (oidc/introspection.ts);
 * - introspection answers with the token's live claims and ZITADEL audience (oidc/introspection.ts).
 */
function castellanEndpoints(provider: Provider, { instance, keys }: OverrideContext): void {
  provider.use(async (ctx, next) => {
    if (ctx.path === ROUTES.userinfo && (ctx.method === 'GET' || ctx.method === 'POST'))
      return userinfo(ctx, provider, instance);
    const tokenRequest = ctx.method === 'POST' && (ctx.path === ROUTES.introspection || ctx.path === ROUTES.revocation);
    if (tokenRequest && !(await replaceJwtByJti(ctx, keys.resolveJwt))) return;
    await next();
    // After `next`, the provider has set `ctx.oidc` (lib/helpers/initialize_app.js).
    if (tokenRequest && ctx.path === ROUTES.introspection)
      await addIntrospectionClaims(ctx as KoaContextWithOIDC, instance);
  });
}

/** Installs every replacement on one instance's provider. */
export function overrideLibraryMethods(provider: Provider, context: OverrideContext): void {
  compareHashedSecrets(provider, context.clientSecretHashKey);
  matchDevModeGlobs(provider);
  emitAssertedClaims(provider);
  bindMachineTokens(provider);
  castellanTokenValues(provider, context);
  revokeSealedTokens(provider);
  revokeWhenConsumedByAnother(provider);
  castellanEndpoints(provider, context);
}
