/**
 * Every node-oidc-provider method Castellan replaces, in one place (with oidc/library-overrides-tokens.ts, the token
 * models' own, and oidc/library-overrides-lookups.ts, the client and token look-ups', installed from here). Each was
 * written against oidc-provider 9.13.3 (package-lock.json) and names the library code whose behaviour it changes;
 * test/oidc/library-overrides*.test.ts fail when an upgrade changes that behaviour (or removes the method), and the
 * end-to-end tests show the change.
 * Everything else Castellan does with the provider goes through its configuration (oidc/configuration.ts).
 */
import { createHash, type KeyObject } from 'node:crypto';
import type {
  AccessToken,
  Claims,
  Client,
  ClientCredentials,
  IdToken,
  KoaContextWithOIDC,
  OIDCContext,
} from 'oidc-provider';
import Provider from 'oidc-provider';
import introspectionEndpoint from 'oidc-provider/lib/actions/introspection.js';
import revocationEndpoint from 'oidc-provider/lib/actions/revocation.js';
import tokenEndpoint from 'oidc-provider/lib/actions/token.js';
import revoke from 'oidc-provider/lib/helpers/revoke.js';
import clientAuthentication from 'oidc-provider/lib/shared/client_auth.js';
import { globMatches } from '../domain/rules/uri-globs.ts';
import { secretMatches } from '../platform/crypto.ts';
import { assertedIdTokenClaims } from './accounts.ts';
import { ConsumedByAnotherRequest, MongoAdapter } from './adapter.ts';
import { hintNamingItsClient, rememberIssuedValue, signIdToken, type DecodedIdToken } from './id-tokens.ts';
import { clientInfo } from './clients.ts';
import { ROUTES } from './configuration.ts';
import { castellanIntrospection } from './introspection-endpoint.ts';
import { replaceJwtByJti } from './introspection.ts';
import { overrideLookups } from './library-overrides-lookups.ts';
import { overrideTokenMethods } from './library-overrides-tokens.ts';
import { addProviderStep, type ProviderStep } from './provider-steps.ts';
import { rotateBySuccessorInsert } from './refresh-rotation.ts';
import type { TenantKeys } from './tenant-keys.ts';
import type { InstanceRecord } from './tenants.ts';
import { userinfo } from './userinfo.ts';
import { authenticateClientAsZitadel, servesInstance } from './zitadel-client-assertions.ts';

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
 * 9.13.3 `Client#includeSid` (lib/models/client.js) puts the session's `sid` in codes, and so in the ID tokens
 * redeemed with them and in their refresh tokens (lib/helpers/process_response_types.js,
 * lib/actions/authorization/device.js), only for apps that require it in back-channel logout tokens. ZITADEL puts the
 * session id in every ID token of a session (`createIDToken`, internal/api/oidc/token.go); logout tokens still carry
 * it only for apps that ask (`Client#backchannelLogout` reads the app's setting itself).
 */
function sidInEveryIdToken(provider: Provider): void {
  Object.assign(provider.Client.prototype, { includeSid: () => true });
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
}

/**
 * 9.13.3 `AuthorizationCode#consume` and `DeviceCode#consume` (lib/models/) leave it to the adapter. Before calling it
 * the grants check `consumed` and, when set, take the replay path: revoke the grant (lib/helpers/revoke.js, from
 * lib/helpers/grant_source.js `consumeGrantSource`). Requests that read a code before any of them consumed it all pass
 * that check; the adapter lets exactly one win (oidc/adapter.ts `consume`), and the others, which lost to a concurrent
 * redemption, take the same replay path here, with the request's context (`Provider.ctx`). A refresh token is
 * consumed by its successor's insert instead (oidc/refresh-rotation.ts).
 */
function revokeWhenConsumedByAnother(provider: Provider): void {
  for (const Model of [provider.AuthorizationCode, provider.DeviceCode]) {
    const prototype = Model.prototype as Consumable;
    const consume = prototype.consume;
    prototype.consume = async function consumeOrRevoke(this: Consumable) {
      try {
        await consume.call(this);
      } catch (error) {
        const ctx = Provider.ctx;
        if (error instanceof ConsumedByAnotherRequest && ctx) await revoke(ctx, this.grantId);
        throw error;
      }
    };
  }
}

/**
 * 9.13.3 endpoints (lib/actions/), changed by steps in front of the provider's router (oidc/provider-steps.ts):
 * - userinfo is Castellan's (oidc/userinfo.ts): lib/actions/userinfo.js refuses access tokens with an audience,
 *   and every ZITADEL access token has one;
 * - introspection and revocation refuse JWTs (lib/shared/reject_structured_tokens.js): a JWT access token becomes
 *   its `jti` before the provider reads the request (oidc/introspection.ts);
 * - introspection is answered in front of the provider's router, after the library's own checks and client
 *   authentication, with the token's live claims and ZITADEL audience (oidc/introspection-endpoint.ts).
 */
function castellanEndpoints(provider: Provider, { instance, keys }: OverrideContext): void {
  const introspect = castellanIntrospection(provider, instance);
  const answerUserinfo: ProviderStep = (ctx) => userinfo(ctx, provider, instance);
  addProviderStep(provider, 'GET', ROUTES.userinfo, answerUserinfo);
  addProviderStep(provider, 'POST', ROUTES.userinfo, answerUserinfo);
  addProviderStep(provider, 'POST', ROUTES.introspection, async (ctx) => {
    if (await replaceJwtByJti(ctx, keys.resolveJwt)) await introspect(ctx);
  });
  addProviderStep(provider, 'POST', ROUTES.revocation, async (ctx, next) => {
    if (await replaceJwtByJti(ctx, keys.resolveJwt)) await next();
  });
}

/**
 * 9.13.3 `IdToken#issue` (lib/models/id_token.js) signs an ID token whose `aud` is the client id alone, without `azp`,
 * and the grants set no `at_hash` (lib/helpers/grant_common.js `issueIdToken`); `AccessToken#save`
 * (lib/models/base_token.js) returns the value it issues and keeps it nowhere. Castellan remembers that value and
 * signs ID tokens as ZITADEL shapes them (oidc/id-tokens.ts), with the claims the library decided; the model's other
 * uses (logout tokens, signed responses) keep the library's signing.
 */
function zitadelIdTokens(provider: Provider, { instance, keys }: OverrideContext): void {
  const save = provider.AccessToken.prototype.save;
  provider.AccessToken.prototype.save = async function rememberValue(this: AccessToken) {
    const value = await save.call(this);
    rememberIssuedValue(this, value);
    return value;
  };
  const { prototype } = provider.IdToken;
  const issue = prototype.issue;
  prototype.issue = function issueAsZitadel(this: IdToken, options: Parameters<IdToken['issue']>[0]) {
    return options.use === 'idtoken' ? signIdToken(instance, keys, this) : issue.call(this, options);
  };
}

/**
 * 9.13.3 end_session (lib/actions/end_session.js `endSessionChecks`) takes the `aud` of the `id_token_hint` it decoded
 * (the `IdTokenHint` entity, set with `OIDCContext#entity`, lib/helpers/oidc_context.js) for the client id; Castellan's
 * ID tokens have several audiences and name their client in `azp` (oidc/id-tokens.ts).
 */
function hintClientFromAzp(provider: Provider): void {
  const { prototype } = provider.OIDCContext;
  const entity = prototype.entity;
  prototype.entity = function entityNamingHintClient(this: OIDCContext, key: string, value: unknown) {
    entity.call(this, key, key === 'IdTokenHint' ? hintNamingItsClient(value as DecodedIdToken) : value);
  };
}

/**
 * 9.13.3 `authenticateClient` (lib/shared/client_auth.js), through lib/shared/jwt_client_auth.js, refuses a client
 * assertion without `jti` and one it has seen (`ReplayDetection`); ZITADEL accepts both until the assertion expires
 * (oidc/zitadel-client-assertions.ts). It is a middleware of the token, introspection and revocation endpoints' lists
 * (lib/actions/) and of client_auth.js's own, which the device authorization and pushed authorization request
 * endpoints take theirs from. A provider composes its routes from these lists when it is built: they are changed once,
 * when this module loads, before any provider exists. Providers that serve no instance keep the library's behaviour.
 */
function zitadelClientAssertions(): void {
  const library = clientAuthentication.find((middleware) => middleware.name === 'authenticateClient');
  if (!library) throw new Error('oidc-provider: lib/shared/client_auth.js has no authenticateClient middleware');
  const replacement = authenticateClientAsZitadel(library);
  for (const list of [clientAuthentication, tokenEndpoint, introspectionEndpoint, revocationEndpoint]) {
    const index = list.indexOf(library);
    if (index < 0) throw new Error('oidc-provider: an endpoint no longer authenticates with authenticateClient');
    list[index] = replacement;
  }
}
zitadelClientAssertions();

/**
 * 9.13.3 `ReplayDetection.unique` (lib/models/replay_detection.js) looks for the record of an `iss` and `jti`, then
 * saves one: requests racing with the same client assertion (strict client assertions) or DPoP proof all find none and
 * all pass. The store decides instead: the first insert wins (oidc/adapter.ts `insertUnlessLive`).
 */
function atomicReplayDetection(provider: Provider): void {
  const Model = provider.ReplayDetection;
  Model.unique = async function uniqueOnce(iss: string, jti: string, exp: number) {
    const id = createHash('sha256').update(`${iss}${jti}`).digest('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payload = { iat: now, exp, iss, jti: id, kind: 'ReplayDetection' };
    return (Model.adapter as MongoAdapter).insertUnlessLive(id, payload, exp - now);
  };
}

/**
 * 9.13.3 `Interaction#save` and `Session#save` (lib/models/interaction.js, session.js) upsert through the adapter on
 * every save. A model that was never saved has no `exp` yet (lib/models/base_model.js `save` sets it) and a fresh id
 * (the authorization request's new interaction, a new browser's session): that save is inserted through the group
 * commit instead (oidc/adapter.ts `expectFirstSave`), which parallel logins share; later saves still replace.
 */
function insertFirstSaves(provider: Provider): void {
  for (const Model of [provider.Interaction, provider.Session]) {
    const save = Model.prototype.save;
    Model.prototype.save = async function saveFirstByInsert(this: { exp?: number; jti: string }, ttl: number) {
      if (this.exp !== undefined) return save.call(this, ttl);
      const expected = (Model.adapter as MongoAdapter).expectFirstSave(this.jti);
      try {
        return await save.call(this, ttl);
      } finally {
        expected.done();
      }
    } as typeof save;
  }
}

/** Installs every replacement on one instance's provider. */
export function overrideLibraryMethods(provider: Provider, context: OverrideContext): void {
  servesInstance(provider, context.instance._id);
  compareHashedSecrets(provider, context.clientSecretHashKey);
  overrideLookups(provider);
  matchDevModeGlobs(provider);
  emitAssertedClaims(provider);
  sidInEveryIdToken(provider);
  // Before the token methods: their `RefreshToken#save` (the kept audience and actor) wraps the successor's.
  rotateBySuccessorInsert(provider, context.keys.refreshTokenSuccessor);
  overrideTokenMethods(provider, context);
  revokeSealedTokens(provider);
  revokeWhenConsumedByAnother(provider);
  zitadelIdTokens(provider, context);
  atomicReplayDetection(provider);
  insertFirstSaves(provider);
  hintClientFromAzp(provider);
  castellanEndpoints(provider, context);
}
