import type { Client, Configuration } from 'oidc-provider';
import type { TokenLifetimes } from '../store/models/common.ts';
import { clientInfo } from './clients.ts';

/** The absolute lifetime of a browser session, and of the logins a browser keeps (oidc/browser-logins.ts). */
export const SESSION_SECONDS = 14 * 24 * 3600;

function lifetimesOf(client: Client | undefined, fallback: TokenLifetimes): TokenLifetimes {
  return client ? clientInfo(client).lifetimes : fallback;
}

/**
 * Token lifetimes: the client's (instance, org and project settings merged, oidc/clients.ts), else the instance's.
 * ID tokens last the app's clock skew longer (docs/zitadel-behaviour.md §3).
 */
export function tokenLifetimes(instanceLifetimes: TokenLifetimes): NonNullable<Configuration['ttl']> {
  return {
    AccessToken: (_ctx, _token, client) => lifetimesOf(client, instanceLifetimes).accessTokenSeconds,
    ClientCredentials: (_ctx, _token, client) => lifetimesOf(client, instanceLifetimes).accessTokenSeconds,
    IdToken: (_ctx, _token, client) =>
      lifetimesOf(client, instanceLifetimes).idTokenSeconds + (client ? clientInfo(client).clockSkewSeconds : 0),
    // Idle lifetime, never beyond the grant, whose lifetime is the absolute one.
    RefreshToken: (ctx, _token, client) => {
      const idle = lifetimesOf(client, instanceLifetimes).refreshTokenIdleSeconds;
      const grantExp = ctx?.oidc.entities.Grant?.exp;
      return grantExp ? Math.max(1, Math.min(idle, grantExp - Math.floor(Date.now() / 1000))) : idle;
    },
    Grant: (ctx) => lifetimesOf(ctx?.oidc.client, instanceLifetimes).refreshTokenAbsoluteSeconds,
    AuthorizationCode: 60,
    DeviceCode: 300,
    Interaction: 3600,
    Session: SESSION_SECONDS,
  };
}
