import { Application } from '../../store/models/index.ts';
import { recordEvent, SYSTEM_ACTOR } from '../../store/queries/events.ts';

/** The console's OIDC client in every instance (ZITADEL's console is an app of the instance's ZITADEL project too). */
export const CONSOLE_CLIENT_ID = 'castellan-console';
export const CONSOLE_PATH = '/ui/console';

export const consoleRedirectUri = (issuer: string): string => `${issuer}${CONSOLE_PATH}/callback`;
export const consolePostLogoutUri = (issuer: string): string => `${issuer}${CONSOLE_PATH}/signed-out`;

/**
 * Creates the console's application in the instance's management project, a public client with PKCE as ZITADEL's
 * console is (https://zitadel.com/docs/guides/manage/console/overview), so the login's MFA, org policies and external
 * IdPs apply to managers too. Idempotent; a changed issuer adds its URIs (as the demo RP's do, setup/demo.ts).
 */
export async function ensureConsoleApp(
  instance: { _id: string; issuer: string; managementProjectId: string },
  managementOrgId: string,
): Promise<void> {
  const instanceId = instance._id;
  const existing = await Application.exists({ instanceId, clientId: CONSOLE_CLIENT_ID });
  if (!existing) {
    const app = await Application.create({
      instanceId,
      projectId: instance.managementProjectId,
      orgId: managementOrgId,
      name: 'Console',
      type: 'oidc',
      clientId: CONSOLE_CLIENT_ID,
      oidc: {
        redirectUris: [consoleRedirectUri(instance.issuer)],
        postLogoutRedirectUris: [consolePostLogoutUri(instance.issuer)],
        grantTypes: ['authorization_code'],
        appType: 'user_agent',
        authMethod: 'none',
      },
    });
    await recordEvent({
      instanceId,
      orgId: managementOrgId,
      actorId: SYSTEM_ACTOR,
      type: 'application.added',
      resourceType: 'application',
      resourceId: app._id,
      payload: { projectId: instance.managementProjectId, name: 'Console', clientId: CONSOLE_CLIENT_ID },
    });
    return;
  }
  await Application.updateOne(
    { instanceId, clientId: CONSOLE_CLIENT_ID },
    {
      $addToSet: {
        'oidc.redirectUris': consoleRedirectUri(instance.issuer),
        'oidc.postLogoutRedirectUris': consolePostLogoutUri(instance.issuer),
      },
    },
  );
}
