/**
 * OpenID Connect Back-Channel Logout 1.0 (https://openid.net/specs/openid-connect-backchannel-1_0.html) with
 * node-oidc-provider's own logout tokens and delivery (`features.backchannelLogout`, lib/models/client.js
 * `backchannelLogout`, 9.13.3): the token is signed with the instance's key like an ID token (`iss`, `aud` = the client
 * id, `sub`, `sid` when the app asks for it, `events`, `jti`, `iat`, `exp` 2 minutes later, no nonce, typ
 * `logout+jwt`), and posted to the app's registered URI only, with redirects not followed, within 2.5 seconds.
 * RP-initiated logout (lib/actions/end_session.js) notifies the apps of the session; oidc/session-termination.ts does
 * when a manager ends a user's sessions. A failed delivery is logged and never fails the logout (§2.8: the OP does
 * not retry, nor tell the user agent).
 */
import type { Client, Configuration } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Logger } from '../platform/logger.ts';
import { guardedFetch, type OutboundPolicy } from '../platform/outbound-fetch.ts';
import { counter } from '../platform/metrics.ts';

const deliveries = counter(
  'castellan_backchannel_logout_deliveries_total',
  'Back-channel logout tokens posted to apps, by instance and outcome',
  ['instance', 'outcome'],
);

/** Client#backchannelLogout (lib/models/client.js), which @types/oidc-provider does not declare. */
interface LoggingOutClient extends Client {
  backchannelLogout(sub: string, sid: string | undefined): Promise<void>;
}

/**
 * The provider's outgoing requests (only back-channel logout tokens: Castellan's clients have no `jwks_uri` nor
 * `sector_identifier_uri`, and CIBA is off) go through Castellan's outbound guard (platform/outbound-fetch.ts) like
 * every other, in place of the library's SSRF dispatcher (lib/helpers/fetch_request.js), which refuses the same
 * special-use addresses but checks the socket only after it connected, and cannot be told to allow private ones.
 */
export function providerFetch(policy: OutboundPolicy): NonNullable<Configuration['fetch']> {
  const fetchGuarded = guardedFetch(policy);
  return (url, init) => {
    const { dispatcher: _libraryGuard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
    return fetchGuarded(url instanceof Request ? url.url : url, rest);
  };
}

/** Logs and counts every delivery, from RP-initiated logout and from session termination alike. */
export function observeBackchannelLogout(provider: Provider, instanceId: string, log: Logger): void {
  provider.on('backchannel.success', (_ctx, client: Client) => {
    deliveries.inc({ instance: instanceId, outcome: 'success' });
    log.debug({ instanceId, clientId: client.clientId }, 'back-channel logout delivered');
  });
  provider.on('backchannel.error', (_ctx, error: Error, client: Client) => {
    deliveries.inc({ instance: instanceId, outcome: 'error' });
    // The reason only: fetch's TimeoutError is a DOMException, whose serialization lists every DOM error code.
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    log.warn(
      { instanceId, clientId: client.clientId, uri: client.backchannelLogoutUri, reason: `${error.message}${cause}` },
      'back-channel logout not delivered',
    );
  });
}

/**
 * Posts a logout token to the app, as end_session does (the same provider events, so observeBackchannelLogout logs
 * both); never rejects. Apps without a back-channel logout URI are skipped.
 */
export async function notifyBackchannelLogout(
  provider: Provider,
  client: Client,
  accountId: string,
  sid: string | undefined,
): Promise<void> {
  if (!client.backchannelLogoutUri) return;
  try {
    await (client as LoggingOutClient).backchannelLogout(accountId, sid);
    provider.emit('backchannel.success', undefined, client, accountId, sid);
  } catch (error) {
    provider.emit('backchannel.error', undefined, error, client, accountId, sid);
  }
}
