import { z } from 'zod';
import {
  OIDC_APP_TYPES,
  OIDC_AUTH_METHODS,
  OIDC_GRANT_TYPES,
  OIDC_RESPONSE_TYPES,
  API_AUTH_METHODS,
  type ApplicationDocument,
} from '../../store/models/application.ts';
import { backChannelLogoutUriProblems, redirectUriProblems } from '../../domain/rules/redirect-uris.ts';
import {
  changeApplication,
  createApplication,
  listApplications,
  regenerateClientSecret,
  removeApplication,
  setApplicationState,
  type OidcSettings,
} from '../../domain/commands/applications.ts';
import { clientSecretHashKey } from '../../platform/derived-keys.ts';
import { invalidField } from '../../domain/errors.ts';
import { APPLICATION, PROJECT } from './locators.ts';
import { route, stateRoutes, type ApiRoute } from './route.ts';
import { name, page, state } from './schemas.ts';

const uri = z.string().min(1).max(2000);
const oidcFields = {
  redirectUris: z.array(uri).max(50),
  postLogoutRedirectUris: z.array(uri).max(50).optional(),
  grantTypes: z.array(z.enum(OIDC_GRANT_TYPES)).min(1).optional(),
  responseTypes: z.array(z.enum(OIDC_RESPONSE_TYPES)).min(1).optional(),
  appType: z.enum(OIDC_APP_TYPES).optional(),
  authMethod: z.enum(OIDC_AUTH_METHODS).optional(),
  accessTokenType: z.enum(['bearer', 'jwt']).optional(),
  accessTokenRoleAssertion: z.boolean().optional(),
  idTokenRoleAssertion: z.boolean().optional(),
  idTokenUserinfoAssertion: z.boolean().optional(),
  devMode: z.boolean().optional(),
  backChannelLogoutUri: uri.nullable().optional(),
  backChannelLogoutSessionRequired: z.boolean().optional(),
  requirePkce: z.boolean().optional(),
  flatRolesClaim: z.boolean().optional(),
  // The stored range (store/models/application.ts): ZITADEL allows at most 5 seconds.
  clockSkewSeconds: z.number().int().min(0).max(5).optional(),
};
const newApp = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('oidc'), name, ...oidcFields }),
  z.strictObject({ type: z.literal('api'), name, authMethod: z.enum(API_AUTH_METHODS) }),
]);
const appChange = z.strictObject({
  name: name.optional(),
  ...oidcFields,
  redirectUris: oidcFields.redirectUris.optional(),
  apiAuthMethod: z.enum(API_AUTH_METHODS).optional(),
});

/**
 * Redirect URIs must suit the app type (https for web apps, loopback or custom schemes for native ones) unless devMode;
 * the back-channel logout URI is an http(s) URL the server posts to, https unless devMode.
 */
function checkRedirectUris(settings: Partial<OidcSettings>): void {
  const devMode = settings.devMode ?? false;
  for (const field of ['redirectUris', 'postLogoutRedirectUris'] as const) {
    const problems = redirectUriProblems(settings[field] ?? [], settings.appType ?? 'web', devMode);
    if (problems.length) throw invalidField(field, problems.join('; '));
  }
  const logoutUri = settings.backChannelLogoutUri;
  const problems = logoutUri ? backChannelLogoutUriProblems(logoutUri, devMode) : [];
  if (problems.length) throw invalidField('backChannelLogoutUri', problems.join('; '));
}

const appView = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  type: z.enum(['oidc', 'api']),
  state,
  clientId: z.string(),
  oidc: z
    .object({
      redirectUris: z.array(z.string()),
      postLogoutRedirectUris: z.array(z.string()),
      grantTypes: z.array(z.string()),
      responseTypes: z.array(z.string()),
      appType: z.string(),
      authMethod: z.string(),
      accessTokenType: z.string(),
      accessTokenRoleAssertion: z.boolean(),
      idTokenRoleAssertion: z.boolean(),
      idTokenUserinfoAssertion: z.boolean(),
      devMode: z.boolean(),
      backChannelLogoutUri: z.string().nullable(),
      backChannelLogoutSessionRequired: z.boolean(),
      requirePkce: z.boolean(),
      flatRolesClaim: z.boolean(),
      clockSkewSeconds: z.number(),
    })
    .nullable(),
  api: z.object({ authMethod: z.string() }).nullable(),
});

function toAppView(app: ApplicationDocument): z.input<typeof appView> {
  const oidc = app.oidc;
  return {
    id: app._id,
    projectId: app.projectId,
    name: app.name,
    type: app.type,
    state: app.state,
    clientId: app.clientId,
    oidc: oidc
      ? {
          redirectUris: oidc.redirectUris,
          postLogoutRedirectUris: oidc.postLogoutRedirectUris,
          grantTypes: oidc.grantTypes,
          responseTypes: oidc.responseTypes,
          appType: oidc.appType,
          authMethod: oidc.authMethod,
          accessTokenType: oidc.accessTokenType,
          accessTokenRoleAssertion: oidc.accessTokenRoleAssertion,
          idTokenRoleAssertion: oidc.idTokenRoleAssertion,
          idTokenUserinfoAssertion: oidc.idTokenUserinfoAssertion,
          devMode: oidc.devMode,
          backChannelLogoutUri: oidc.backChannelLogoutUri ?? null,
          backChannelLogoutSessionRequired: oidc.backChannelLogoutSessionRequired ?? false,
          requirePkce: oidc.requirePkce,
          flatRolesClaim: oidc.flatRolesClaim,
          clockSkewSeconds: oidc.clockSkewSeconds,
        }
      : null,
    api: app.api ? { authMethod: app.api.authMethod } : null,
  };
}

const APPS = 'Applications';

/** A project's OIDC and API applications (their public keys: app-keys.ts). */
export const applicationRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/projects/{projectId}/apps',
    tag: APPS,
    summary: 'Create an OIDC or API application; a client secret, if the auth method uses one, is shown once',
    permission: 'project.app.write',
    on: PROJECT,
    status: 201,
    body: newApp,
    response: z.object({ id: z.string(), clientId: z.string(), clientSecret: z.string().optional() }),
    async handler({ target, body, actor, services }) {
      const { type, name: appName, ...settings } = body;
      if (type === 'oidc') checkRedirectUris(settings as OidcSettings);
      const input =
        type === 'oidc'
          ? { type, name: appName, oidc: settings as OidcSettings }
          : {
              type,
              name: appName,
              api: { authMethod: (settings as { authMethod: 'basic' | 'private_key_jwt' }).authMethod },
            };
      const { app, clientSecret } = await createApplication(
        actor,
        target,
        input,
        clientSecretHashKey(services.masterKey),
      );
      return { id: app._id, clientId: app.clientId, ...(clientSecret ? { clientSecret } : {}) };
    },
  }),
  route({
    method: 'get',
    path: '/projects/{projectId}/apps',
    tag: APPS,
    summary: "A project's applications",
    permission: 'project.app.read',
    on: PROJECT,
    query: page,
    response: z.object({ apps: z.array(appView) }),
    handler: async ({ target, query, actor }) => ({
      apps: (await listApplications(actor.instanceId, target._id, query)).map(toAppView),
    }),
  }),
  route({
    method: 'get',
    path: '/projects/{projectId}/apps/{appId}',
    tag: APPS,
    summary: 'Read an application',
    permission: 'project.app.read',
    on: APPLICATION,
    response: appView,
    handler: async ({ target }) => toAppView(target),
  }),
  route({
    method: 'patch',
    path: '/projects/{projectId}/apps/{appId}',
    tag: APPS,
    summary: "Change an application's name or configuration",
    permission: 'project.app.write',
    on: APPLICATION,
    body: appChange,
    response: appView,
    async handler({ target: app, body, actor }) {
      const { name: appName, apiAuthMethod, ...oidc } = body;
      const oidcChange = Object.keys(oidc).length ? (oidc as Partial<OidcSettings>) : undefined;
      if (oidcChange) checkRedirectUris({ ...app.oidc, ...oidcChange } as OidcSettings);
      return toAppView(
        await changeApplication(actor, app, {
          name: appName,
          oidc: oidcChange,
          api: apiAuthMethod ? { authMethod: apiAuthMethod } : undefined,
        }),
      );
    },
  }),
  ...stateRoutes({
    base: '/projects/{projectId}/apps/{appId}',
    tag: APPS,
    permission: 'project.app.write',
    on: APPLICATION,
    response: appView,
    summaries: {
      deactivate: 'Deactivate an application (its client is refused; nothing is lost)',
      reactivate: 'Reactivate an application',
    },
    change: async ({ target, actor }, appState) => toAppView(await setApplicationState(actor, target, appState)),
  }),
  route({
    method: 'post',
    path: '/projects/{projectId}/apps/{appId}/secret',
    tag: APPS,
    summary: 'Generate a new client secret (shown once; the old one stops working)',
    permission: 'project.app.write',
    on: APPLICATION,
    response: z.object({ clientId: z.string(), clientSecret: z.string() }),
    handler: async ({ target, actor, services }) => ({
      clientId: target.clientId,
      clientSecret: await regenerateClientSecret(actor, target, clientSecretHashKey(services.masterKey)),
    }),
  }),
  route({
    method: 'delete',
    path: '/projects/{projectId}/apps/{appId}',
    tag: APPS,
    summary: 'Delete an application',
    permission: 'project.app.delete',
    on: APPLICATION,
    response: null,
    handler: ({ target, actor }) => removeApplication(actor, target),
  }),
];
