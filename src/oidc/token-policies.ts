import { errors, type Client, type Configuration } from 'oidc-provider';
import { audienceAdmits, resolveProjectAliases, tokenAudience } from '../domain/rules/audience.ts';
import { parseReservedScopes } from '../domain/rules/scopes.ts';
import { clientInfo, type ClientInfo } from './clients.ts';
import type { InstanceRecord } from './tenants.ts';

type Features = NonNullable<Configuration['features']>;
type IntrospectionPolicy = NonNullable<NonNullable<Features['introspection']>['allowedPolicy']>;
type RevocationPolicy = NonNullable<NonNullable<Features['revocation']>['allowedPolicy']>;

/** What a token's audience depends on: its scopes (the `:aud` project scopes) and the client it was issued to. */
export interface AudienceSource {
  scope?: string | undefined;
  clientId?: string | undefined;
}

/**
 * A token's ZITADEL audience (docs/zitadel-behaviour.md §1.2): the client's project, its `:aud` projects. Stored
 * with every access token when issued, and with refresh tokens, which keep their grant's first one
 * (oidc/library-overrides-tokens.ts); computed when asked for refresh tokens issued before they kept it.
 */
export function audienceOf(instance: InstanceRecord, token: AudienceSource, info: ClientInfo): string[] {
  return tokenAudience(
    info.projectAudience,
    resolveProjectAliases(parseReservedScopes(token.scope).audienceProjectIds, instance.managementProjectId),
    token.clientId ?? '',
  );
}

/** The audience a refresh token keeps (`aud`, oidc/library-overrides-tokens.ts), or undefined when it keeps none. */
export function keptAudience(token: object | undefined): string[] | undefined {
  const aud = (token as { aud?: unknown } | undefined)?.aud;
  return Array.isArray(aud) && aud.every((value) => typeof value === 'string') ? aud : undefined;
}

/** The audience an introspected token is described with: the one it keeps, else its owner's ZITADEL audience. */
export function introspectedAudience(
  instance: InstanceRecord,
  token: AudienceSource,
  owner: Client,
): string | string[] {
  return (
    ('aud' in token ? (token.aud as string | string[] | undefined) : undefined) ??
    audienceOf(instance, token, clientInfo(owner))
  );
}

/** Introspection answers (active) only a caller whose client id or project id is in the token's audience. */
export function admitsIntrospectingCaller(audience: string | string[], caller: Client): boolean {
  return audienceAdmits(audience, { clientId: caller.clientId, projectId: clientInfo(caller).projectId });
}

/** The two above as the provider's `features.introspection.allowedPolicy` (its own endpoint's, lib/actions/). */
export function introspectionPolicy(instance: InstanceRecord): IntrospectionPolicy {
  return async function allowedPolicy(ctx, caller, token) {
    const owner =
      token.clientId === caller.clientId ? caller : await ctx.oidc.provider.Client.find(token.clientId ?? '');
    return !!owner && admitsIntrospectingCaller(introspectedAudience(instance, token, owner), caller);
  };
}

/**
 * A client revokes only its own tokens, and is told so as ZITADEL does (the provider would answer 200 and keep the
 * token).
 */
export const revocationPolicy: RevocationPolicy = (_ctx, caller, token) => {
  if (token.clientId !== caller.clientId) throw new errors.InvalidClient('token was not issued for this client');
  return true;
};
