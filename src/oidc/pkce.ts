import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import { clientInfo } from './clients.ts';

/**
 * The provider's `pkce.required`, which it calls synchronously (lib/actions/authorization/sender_constraints.js):
 * the decision travels in the client's metadata, made when the client is loaded (oidc/clients.ts).
 */
export function pkceRequiredFor(_ctx: KoaContextWithOIDC, client: Client): boolean {
  return clientInfo(client).requirePkce;
}
