import type { FederationProtocol } from './protocol.ts';
import { oidcProtocol } from './oidc.ts';
import { oauthProtocol } from './oauth.ts';
import { samlProtocol } from './saml.ts';

/** Every upstream protocol the login speaks, by the configuration's `type`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each protocol has settings of its own type
const PROTOCOLS: readonly FederationProtocol<any>[] = [oidcProtocol, oauthProtocol, samlProtocol];

export const PROTOCOL_TYPES = PROTOCOLS.map((protocol) => protocol.type);

export function protocolOf(type: string): FederationProtocol<Record<string, unknown>> | null {
  return PROTOCOLS.find((protocol) => protocol.type === type) ?? null;
}
