// node-oidc-provider's grant revocation (lib/helpers/revoke.js, 9.13.3), which the replay override calls
// (oidc/library-overrides.ts) and @types/oidc-provider does not declare.
declare module 'oidc-provider/lib/helpers/revoke.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider';

  /** Revokes every token of the grant the client may hold, and the grant itself unless `revokeGrantPolicy` says no. */
  export default function revoke(ctx: KoaContextWithOIDC, grantId: string | undefined): Promise<void>;
}

// node-oidc-provider's JWT helpers (lib/helpers/jwt.js, 9.13.3), with which Castellan finishes verifying a client
// assertion the library refused only for lacking a `jti` (oidc/zitadel-client-assertions.ts).
declare module 'oidc-provider/lib/helpers/jwt.js' {
  interface DecodedJwt {
    header: Record<string, unknown>;
    payload: Record<string, unknown>;
  }
  export function decode(jwt: string): DecodedJwt;
  /** Verifies the signature with a key of the store (refreshing it once), then the claims (`assertPayload`). */
  export function verify(
    jwt: string,
    keystore: unknown,
    options: { clockTolerance?: number; ignoreAzp?: boolean },
  ): Promise<DecodedJwt>;
}

// The middleware lists of the endpoints that authenticate clients (9.13.3): client authentication itself
// (lib/shared/client_auth.js, which the device authorization and pushed authorization request endpoints take their
// middleware from when a provider is built), and the token, introspection and revocation endpoints (lib/actions/).
declare module 'oidc-provider/lib/shared/client_auth.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider';

  const middleware: Array<(ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>>;
  export default middleware;
}
declare module 'oidc-provider/lib/actions/token.js' {
  import type clientAuth from 'oidc-provider/lib/shared/client_auth.js';

  const middleware: typeof clientAuth;
  export default middleware;
}
declare module 'oidc-provider/lib/actions/introspection.js' {
  import type clientAuth from 'oidc-provider/lib/shared/client_auth.js';

  const middleware: typeof clientAuth;
  export default middleware;
}
declare module 'oidc-provider/lib/actions/revocation.js' {
  import type clientAuth from 'oidc-provider/lib/shared/client_auth.js';

  const middleware: typeof clientAuth;
  export default middleware;
}

// The introspection and revocation endpoints' middleware that refuses JWTs (lib/shared/reject_structured_tokens.js,
// 9.13.3), which oidc/library-overrides-lookups.ts calls only for values a JWT could be.
declare module 'oidc-provider/lib/shared/reject_structured_tokens.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider';

  export default function rejectStructuredTokens(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void>;
}

// What Castellan's introspection endpoint (oidc/introspection-endpoint.ts) composes of the library's own (9.13.3): the
// request's AsyncLocalStorage (lib/helpers/als.js, `Provider.ctx`), the token look-up by `token_type_hint`
// (lib/helpers/token_find.js), the CORS middleware (lib/shared/cors.js) and the endpoints' error handler
// (lib/shared/error_handler.js).
declare module 'oidc-provider/lib/helpers/als.js' {
  import type { AsyncLocalStorage } from 'node:async_hooks';

  const als: AsyncLocalStorage<unknown>;
  export default als;
}
declare module 'oidc-provider/lib/helpers/token_find.js' {
  import type { AccessToken, ClientCredentials, RefreshToken } from 'oidc-provider';
  import type Provider from 'oidc-provider';

  export function findToken(
    provider: Provider,
    value: string,
    hint: string | undefined,
  ): Promise<AccessToken | ClientCredentials | RefreshToken | undefined>;
}
declare module 'oidc-provider/lib/shared/cors.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider';

  export default function cors(options: {
    allowMethods: string;
    clientBased: boolean;
    maxAge: number;
    exposeHeaders: string;
  }): (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;
}
declare module 'oidc-provider/lib/shared/error_handler.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider';

  export default function getErrorHandler(
    eventName: string,
  ): (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;
}
