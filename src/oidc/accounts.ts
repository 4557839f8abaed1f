import type { FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { findActiveAccount } from '../store/queries/accounts.ts';
import { buildClaims, type ClaimInstance } from './claims.ts';
import { clientInfo } from './clients.ts';

/**
 * The claims `findAccount` decided on for the request's ID token (standard claims as asserted, roles, reserved
 * claims), which `Claims#result` (oidc/library-overrides.ts) emits as they are. The provider builds one ID token per
 * request, with the request's context.
 */
const idTokenClaims = new WeakMap<KoaContextWithOIDC, Readonly<Record<string, unknown>>>();

export function assertedIdTokenClaims(ctx: KoaContextWithOIDC | undefined): Readonly<Record<string, unknown>> {
  return (ctx && idTokenClaims.get(ctx)) ?? {};
}

/** The provider's accounts: active users of active orgs only, with Castellan's claims. */
export function accountFinder(instance: ClaimInstance): FindAccount {
  return async function findAccount(ctx, sub) {
    const account = await findActiveAccount(instance._id, sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims(use, scope, requested) {
        const { client } = ctx.oidc;
        const info = client ? clientInfo(client) : null;
        const target = use === 'id_token' ? 'id_token' : 'userinfo';
        // `requested`: the claims parameter's member for this use, already cut to what the grant holds.
        const requestedClaims = Object.keys(requested ?? {});
        const claims = info
          ? await buildClaims(instance, account, { scope, target, client: info, requestedClaims })
          : {};
        // The provider signs an `iat` in the payload as it is: the app's clock skew moves it back (exp moves by the
        // ttl). On a copy: the claims built are shared (oidc/claims.ts).
        const skew = use === 'id_token' && info ? info.clockSkewSeconds : 0;
        idTokenClaims.set(ctx, skew ? { ...claims, iat: Math.floor(Date.now() / 1000) - skew } : claims);
        // Standard claims come only from `buildClaims`: the access token's audience disables the provider's
        // conformIdTokenClaims, so any claim offered here would reach the ID token whatever idTokenUserinfoAssertion
        // says.
        return { sub };
      },
    };
  };
}
