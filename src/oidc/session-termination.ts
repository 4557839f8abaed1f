import { errors, type Client } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { endBrowserLoginsOfUser } from '../store/queries/browser-logins.ts';
import { sessionIdsOfAccount } from '../store/queries/oidc-sessions.ts';
import { notifyBackchannelLogout } from './backchannel-logout.ts';

/** The grant-bound models Castellan enables (lib/helpers/revoke.js lists the library's). */
const GRANT_BOUND_MODELS = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode'] as const;

async function findClient(provider: Provider, clientId: string): Promise<Client | undefined> {
  try {
    return await provider.Client.find(clientId);
  } catch (error) {
    // A client that cannot be loaded any more (as end_session's clientForLogout): nothing to tell it.
    if (error instanceof errors.InvalidClient) return undefined;
    throw error;
  }
}

/**
 * Every token of the grant and the grant itself. Unlike RP-initiated logout, offline (`offline_access`) grants go
 * too: a manager ending a user's sessions means every sign-in of them, including the ones that outlive a logout.
 */
async function revokeGrant(provider: Provider, grantId: string): Promise<void> {
  await Promise.all([
    ...GRANT_BOUND_MODELS.map((model) => provider[model].revokeByGrantId(grantId)),
    provider.Grant.adapter.destroy(grantId),
  ]);
}

/**
 * Ends every provider session of a user in the instance: the session goes, the tokens of its grants are revoked,
 * then each app that took part in it and registered a back-channel logout URI gets a logout token (with the sid
 * it knows the session by). The logins browsers keep of the user end too (oidc/browser-logins.ts), so no browser
 * switches back to the user without a password. Returns how many sessions were ended.
 */
export async function endAccountSessions(provider: Provider, instanceId: string, accountId: string): Promise<number> {
  await endBrowserLoginsOfUser(instanceId, accountId);
  const ended = await Promise.all(
    (await sessionIdsOfAccount(instanceId, accountId)).map(async (id) => {
      const session = await provider.Session.find(id);
      if (session?.accountId !== accountId) return false;
      const authorizations = Object.entries(session.authorizations ?? {});
      await session.destroy();
      const notifications = await Promise.all(
        authorizations.map(async ([clientId, { grantId, sid }]) => {
          if (grantId) await revokeGrant(provider, grantId);
          const client = await findClient(provider, clientId);
          return () => (client ? notifyBackchannelLogout(provider, client, accountId, sid) : undefined);
        }),
      );
      // Told once its session and tokens are gone, so an app that checks back finds them ended (§2.7).
      await Promise.all(notifications.map((notify) => notify()));
      return true;
    }),
  );
  return ended.filter(Boolean).length;
}
