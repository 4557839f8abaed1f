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

/** A user's sign-in session as a manager sees it: its uid (never its id, the cookie's value), when, and which apps. */
export interface AccountSessionView {
  id: string;
  signedInAt: string | null;
  expiresAt: string | null;
  clientIds: string[];
}

const isoOf = (epochSeconds: number | undefined) => (epochSeconds ? new Date(epochSeconds * 1000).toISOString() : null);

/** The user's live provider sessions in the instance (expired ones not swept yet left out, as the provider does). */
export async function accountSessions(
  provider: Provider,
  instanceId: string,
  accountId: string,
): Promise<AccountSessionView[]> {
  const sessions = await Promise.all(
    (await sessionIdsOfAccount(instanceId, accountId)).map((id) => provider.Session.find(id)),
  );
  return sessions
    .filter((session) => session?.accountId === accountId)
    .map((session) => ({
      id: session!.uid,
      signedInAt: isoOf(session!.loginTs),
      expiresAt: isoOf(session!.exp),
      clientIds: Object.keys(session!.authorizations ?? {}),
    }));
}

/**
 * Ends every provider session of a user in the instance (or the one of `sessionUid`): the session goes, the tokens of
 * its grants are revoked, then each app that took part in it and registered a back-channel logout URI gets a logout
 * token (with the sid it knows the session by). The logins browsers keep of the user end too, all of them even when
 * one session ends (oidc/browser-logins.ts: a record names its browser, not the provider session), so no browser
 * switches back to the user without a password. Returns how many sessions were ended.
 */
export async function endAccountSessions(
  provider: Provider,
  instanceId: string,
  accountId: string,
  sessionUid?: string,
): Promise<number> {
  await endBrowserLoginsOfUser(instanceId, accountId);
  const ended = await Promise.all(
    (await sessionIdsOfAccount(instanceId, accountId)).map(async (id) => {
      const session = await provider.Session.find(id);
      if (session?.accountId !== accountId || (sessionUid !== undefined && session.uid !== sessionUid)) return false;
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
