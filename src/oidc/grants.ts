import type { Configuration } from 'oidc-provider';
import { splitScope } from '../domain/rules/scopes.ts';
import { RESERVED_RESOURCE } from './reserved-scopes.ts';

/**
 * Every application of an instance is first-party: consent is never asked. Each authorization gets a fresh grant of
 * what was asked (already cleaned by `defaultResource`, oidc/reserved-scopes.ts), reserved scopes included.
 */
export const loadExistingGrant: NonNullable<Configuration['loadExistingGrant']> = async (ctx) => {
  const { client, account, provider } = ctx.oidc;
  if (!client || !account) return undefined;
  const grant = new provider.Grant({ accountId: account.accountId, clientId: client.clientId });
  const scopes = splitScope(ctx.oidc.params?.scope as string | undefined);
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const requestedClaims = Object.values(ctx.oidc.claims ?? {}).flatMap((claims) => Object.keys(claims ?? {}));
  if (requestedClaims.length) grant.addOIDCClaims(requestedClaims);
  if (ctx.oidc.resourceServers?.[RESERVED_RESOURCE]) grant.addResourceScope(RESERVED_RESOURCE, scopes.join(' '));
  await grant.save();
  return grant;
};
