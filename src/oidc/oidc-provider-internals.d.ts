// node-oidc-provider's grant revocation (lib/helpers/revoke.js, 9.13.3), which the replay override calls
// (oidc/library-overrides.ts) and @types/oidc-provider does not declare.
declare module 'oidc-provider/lib/helpers/revoke.js' {
  import type { KoaContextWithOIDC } from 'oidc-provider';

  /** Revokes every token of the grant the client may hold, and the grant itself unless `revokeGrantPolicy` says no. */
  export default function revoke(ctx: KoaContextWithOIDC, grantId: string | undefined): Promise<void>;
}
