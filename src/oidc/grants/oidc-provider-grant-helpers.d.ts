// node-oidc-provider's helpers for grant handlers (lib/helpers/grant_authorization.js, grant_response.js, 9.13.3), as
// its own client_credentials grant uses them (lib/actions/grants/client_credentials.js); @types/oidc-provider does not
// declare them. The JWT bearer grant (oidc/grants/jwt-bearer.ts) uses them the same way.
declare module 'oidc-provider/lib/helpers/grant_authorization.js' {
  import type { KoaContextWithOIDC, Provider, ResourceServerInstance } from 'oidc-provider';

  /** The request's resource servers, defaulted by `features.resourceIndicators.defaultResource` when none is asked. */
  export function resolveRequestedResources(
    provider: Provider,
    ctx: KoaContextWithOIDC,
  ): Promise<ResourceServerInstance[]>;
  /** The requested scopes, refused (invalid_scope) where the client's `scope` metadata does not allow one. */
  export function validateClientScope(provider: Provider, ctx: KoaContextWithOIDC): Set<string>;
}

declare module 'oidc-provider/lib/helpers/grant_response.js' {
  import type { Provider } from 'oidc-provider';

  /** The token endpoint's JSON answer. */
  export function buildTokenResponse(
    provider: Provider,
    response: { accessToken: string; expiresIn?: number | undefined; scope?: string | undefined; tokenType: string },
  ): Record<string, unknown>;
}
