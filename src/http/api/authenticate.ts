import type { KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { cached } from '../../store/cache/instance-cache.ts';
import { cacheKeys } from '../../store/cache/keys.ts';
import { SigningKey, User } from '../../store/models/index.ts';
import {
  resolvePermissions,
  type MembershipFacts,
  type Permissions,
  type RolePermissions,
} from '../../domain/rules/permissions.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { membershipsOfUser } from '../../domain/commands/memberships.ts';
import { personalAccessTokenOwner } from '../../domain/commands/personal-access-tokens.ts';
import { clientSecretHashKey } from '../../platform/derived-keys.ts';
import { isCompactJwt, verifiedJwtId } from '../../platform/jwt-id.ts';
import type { Services } from '../../oidc/services.ts';
import { boundUserId } from '../../oidc/token-binding.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { HttpError } from '../middleware/errors.ts';
import { findScoped } from '../../store/queries/scoped.ts';

/** The authenticated user behind an API request, with its manager permissions. */
export interface Caller {
  userId: string;
  orgId: string;
  permissions: Permissions;
}

function unauthorized(message = 'a valid bearer token is required'): HttpError {
  return new HttpError(401, message);
}

function audienceIncludes(aud: string | string[] | undefined, audience: string): boolean {
  return Array.isArray(aud) ? aud.includes(audience) : aud === audience;
}

function instanceKeys(instanceId: string): Promise<JSONWebKeySet> {
  return cached(instanceId, cacheKeys.publicSigningKeys(), async () => {
    const keys = await SigningKey.find({ instanceId }, { publicJwk: 1 }).lean();
    return { keys: keys.map((key) => key.publicJwk as JSONWebKeySet['keys'][number]) };
  });
}

/**
 * The user a bearer token stands for, or null. Accepted: personal access tokens of machine users;
 * the instance provider's opaque access tokens (user tokens and client_credentials tokens of machine
 * users, bound to the user's id and secret: oidc/token-binding.ts); and its JWT access tokens, verified
 * against the instance's keys and still stored under their `jti` (so revocation holds). Provider tokens
 * must name the management API in their audience, and be no impersonation.
 */
async function tokenUser(tenant: Tenant, token: string, hashKey: KeyObject): Promise<string | null> {
  const instanceId = tenant.instance._id;
  const patOwner = await personalAccessTokenOwner(instanceId, token, hashKey);
  if (patOwner) return patOwner;
  const audience = tenant.instance.managementProjectId;
  const tokenId = isCompactJwt(token)
    ? await verifiedJwtId(token, createLocalJWKSet(await instanceKeys(instanceId)), tenant.instance.issuer)
    : token;
  if (!tokenId) return null;
  const accessToken = await tenant.provider.AccessToken.find(tokenId);
  if (accessToken) {
    if (!audienceIncludes(accessToken.aud, audience)) return null;
    // An impersonated token (token exchange's `act`) is refused, as ZITADEL's API refuses it: an impersonator would
    // otherwise manage with the subject's roles (https://zitadel.com/docs/guides/integrate/token-exchange).
    if ((accessToken.extra as { act?: unknown } | undefined)?.act) return null;
    // A user's token lives only as long as its grant, as at introspection and userinfo: a revoked grant (logout, a
    // replayed code) is gone at once, while a token issued in a race with the revocation may still be stored.
    const grant = accessToken.grantId ? await tenant.provider.Grant.find(accessToken.grantId) : undefined;
    return grant?.accountId === accessToken.accountId ? accessToken.accountId : null;
  }
  // Found only while its binding holds: the machine user it was issued to, by id, with the same username and secret.
  const clientToken = await tenant.provider.ClientCredentials.find(tokenId);
  return clientToken && audienceIncludes(clientToken.aud, audience) ? boundUserId(clientToken) : null;
}

/**
 * An active user of an active org with its manager permissions, or 401: the API's caller behind a token and the
 * console's behind its session are resolved alike.
 */
export async function callerOf(tenant: Tenant, userId: string, mapping: RolePermissions): Promise<Caller> {
  const instanceId = tenant.instance._id;
  const user = await cached(instanceId, cacheKeys.userState(userId), () =>
    findScoped(User, instanceId, userId, {}, { orgId: 1, state: 1 }),
  );
  if (user?.state !== 'active') throw unauthorized('the user is not active');
  const org = await findOrg(instanceId, user.orgId);
  if (org?.state !== 'active') throw unauthorized("the user's organization is not active");
  const memberships = await membershipsOfUser(instanceId, userId);
  return { userId, orgId: user.orgId, permissions: resolvePermissions(memberships as MembershipFacts[], mapping) };
}

/** Resolves `Authorization: Bearer …` to an active caller of an active org, or answers 401. */
export function apiAuthenticator(services: Services, mapping: RolePermissions) {
  const hashKey = clientSecretHashKey(services.masterKey);
  return async function authenticate(ctx: Context): Promise<Caller> {
    const { tenant } = ctx.state as { tenant: Tenant };
    const match = /^Bearer ([\x21-\x7e]{1,4096})$/i.exec(ctx.get('authorization'));
    if (!match?.[1]) throw unauthorized();
    const userId = await tokenUser(tenant, match[1], hashKey);
    if (!userId) throw unauthorized('the token is invalid, expired or not meant for this API');
    return callerOf(tenant, userId, mapping);
  };
}
