/**
 * The subject and actor tokens of a token exchange (RFC 8693 §2.1), verified as ZITADEL verifies them
 * (`verifyExchangeToken`, internal/api/oidc/token_exchange.go): only tokens this instance issued, still valid, meant
 * for the calling client, of a user that is still active.
 */
import {
  createLocalJWKSet,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import { audienceAdmits } from '../../domain/rules/audience.ts';
import { splitScope } from '../../domain/rules/scopes.ts';
import { findActiveAccount } from '../../store/queries/accounts.ts';
import { clientInfo } from '../clients.ts';
import type { TenantKeys } from '../tenant-keys.ts';
import type { InstanceRecord } from '../tenants.ts';
import { boundUserId } from '../token-binding.ts';
import { actorClaimOf, type ActorClaim } from './exchanged-tokens.ts';

export const TOKEN_TYPE = {
  accessToken: 'urn:ietf:params:oauth:token-type:access_token',
  idToken: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
  refreshToken: 'urn:ietf:params:oauth:token-type:refresh_token',
  /** ZITADEL's addition: a user id as the subject, to impersonate a user who holds no token. */
  userId: 'urn:zitadel:params:oauth:token-type:user_id',
} as const;

/** What an exchange reads of one of its input tokens. */
export interface ExchangeInput {
  userId: string;
  orgId: string;
  /** Empty for inputs that carry no audience the instance decided (a user id, a self-signed JWT). */
  audience: string[];
  /** Null for inputs that carry no scope (a user id, an ID token, a self-signed JWT). */
  scopes: string[] | null;
  /** The input's own `act` claim: it was itself issued by an exchange. */
  act: ActorClaim | undefined;
}

/** An input that is not a valid token of this instance for this client; its message is the error description. */
export class InvalidExchangeInput extends Error {}

export interface InputContext {
  ctx: KoaContextWithOIDC;
  instance: InstanceRecord;
  keys: TenantKeys;
  client: Client;
}

async function activeUser(instance: InstanceRecord, userId: unknown): Promise<{ userId: string; orgId: string }> {
  const account = typeof userId === 'string' ? await findActiveAccount(instance._id, userId) : null;
  if (!account) throw new InvalidExchangeInput('the token names no active user');
  return { userId: account.user._id, orgId: account.user.orgId };
}

function audienceList(aud: string | string[] | undefined): string[] {
  return aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
}

/** The token must be meant for the calling client: its client id or project in the audience (as at introspection). */
function assertMeantFor(client: Client, aud: string | string[] | undefined): void {
  if (!audienceAdmits(aud, { clientId: client.clientId, projectId: clientInfo(client).projectId }))
    throw new InvalidExchangeInput('the token was not issued for this client');
}

/**
 * An access token of this instance: a user's (opaque or JWT, found in storage, so revoked ones are gone) whose grant
 * still stands, or a machine user's client-credentials token whose binding holds (oidc/token-binding.ts).
 */
async function accessTokenInput({ ctx, instance, client }: InputContext, value: string): Promise<ExchangeInput> {
  const { provider } = ctx.oidc;
  const userToken = await provider.AccessToken.find(value);
  const machineToken = userToken ? undefined : await provider.ClientCredentials.find(value);
  const token = userToken ?? machineToken;
  if (!token?.isValid) throw new InvalidExchangeInput('the token is unknown, expired or revoked');
  let userId: string | null | undefined = machineToken && boundUserId(machineToken);
  if (userToken) {
    const grant = userToken.grantId ? await provider.Grant.find(userToken.grantId) : undefined;
    if (!grant || grant.clientId !== userToken.clientId || grant.accountId !== userToken.accountId)
      throw new InvalidExchangeInput('the token is unknown, expired or revoked');
    userId = userToken.accountId;
  }
  assertMeantFor(client, token.aud);
  return {
    ...(await activeUser(instance, userId)),
    audience: audienceList(token.aud),
    scopes: splitScope(token.scope),
    act: actorClaimOf((token.extra as Record<string, unknown> | undefined)?.act),
  };
}

async function verified(value: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(value, keys, options)).payload;
  } catch {
    throw new InvalidExchangeInput('the token is not a valid, unexpired JWT for this exchange');
  }
}

/**
 * An unexpired ID token this instance signed, issued to the calling client (or its project). The instance's JWT access
 * tokens are signed with the same keys but always carry a `jti`, which its ID tokens never do: a (possibly revoked)
 * access token is not accepted as an ID token.
 */
async function idTokenInput({ instance, keys, client }: InputContext, value: string): Promise<ExchangeInput> {
  const payload = await verified(value, keys.publicKeySet, { issuer: instance.issuer, requiredClaims: ['exp'] });
  if (payload.jti !== undefined) throw new InvalidExchangeInput('the token is not an ID token');
  assertMeantFor(client, payload.aud);
  return {
    ...(await activeUser(instance, payload.sub)),
    audience: audienceList(payload.aud),
    scopes: null,
    act: actorClaimOf(payload.act),
  };
}

/**
 * ZITADEL's self-signed JWT subject (a JWT profile assertion): issued by the calling client, for the instance,
 * signed with one of the client's registered keys (private_key_jwt), at most an hour old. Its audience and any scope
 * it claims are the client's own words, not the instance's, so it carries neither (ZITADEL: "we don't trust
 * audiences not signed by us").
 */
async function selfSignedInput({ instance, client }: InputContext, value: string): Promise<ExchangeInput> {
  const keys = client.jwks as JSONWebKeySet | undefined;
  if (!keys?.keys.length) throw new InvalidExchangeInput('the client has no keys to sign a JWT subject with');
  const payload = await verified(value, createLocalJWKSet(keys), {
    issuer: client.clientId,
    audience: instance.issuer,
    maxTokenAge: '1h',
    requiredClaims: ['exp', 'iat', 'sub'],
  });
  return { ...(await activeUser(instance, payload.sub)), audience: [], scopes: null, act: undefined };
}

/** ZITADEL's user id "token": the user must exist and be active. */
async function userIdInput({ instance }: InputContext, value: string): Promise<ExchangeInput> {
  return { ...(await activeUser(instance, value)), audience: [], scopes: null, act: undefined };
}

const READERS = {
  [TOKEN_TYPE.accessToken]: accessTokenInput,
  [TOKEN_TYPE.idToken]: idTokenInput,
  [TOKEN_TYPE.jwt]: selfSignedInput,
  [TOKEN_TYPE.userId]: userIdInput,
} as const;

export type InputTokenType = keyof typeof READERS;

/** Subject tokens may be of any type but refresh tokens; actor tokens are access or ID tokens (ZITADEL). */
export const SUBJECT_TOKEN_TYPES: readonly InputTokenType[] = Object.keys(READERS) as InputTokenType[];
export const ACTOR_TOKEN_TYPES: readonly InputTokenType[] = [TOKEN_TYPE.accessToken, TOKEN_TYPE.idToken];

/** Reads one input token of a type the caller allows here; any failure is an InvalidExchangeInput. */
export async function readExchangeInput(
  context: InputContext,
  value: unknown,
  type: unknown,
  allowed: readonly InputTokenType[],
): Promise<ExchangeInput> {
  if (typeof value !== 'string' || value === '') throw new InvalidExchangeInput('the token is missing');
  if (typeof type !== 'string' || type === '') throw new InvalidExchangeInput('the token type is missing');
  if (!(allowed as readonly string[]).includes(type))
    throw new InvalidExchangeInput(`the token type ${type} is not supported here`);
  return READERS[type as InputTokenType](context, value);
}
