import { z } from 'zod';
import {
  OIDC_APP_TYPES,
  OIDC_AUTH_METHODS,
  OIDC_GRANT_TYPES,
  OIDC_RESPONSE_TYPES,
  API_AUTH_METHODS,
  type ApplicationDocument,
} from '../../store/models/application.ts';
import { PRIVATE_LABELING_SETTINGS, type ProjectDocument } from '../../store/models/project.ts';
import type { ProjectGrantDocument } from '../../store/models/project-grant.ts';
import { redirectUriProblems } from '../../domain/rules/redirect-uris.ts';
import {
  changeApplication,
  createApplication,
  listApplications,
  regenerateClientSecret,
  removeApplication,
  setApplicationState,
  type OidcSettings,
} from '../../domain/commands/applications.ts';
import {
  changeProjectGrantRoles,
  createProjectGrant,
  listProjectGrants,
  removeProjectGrant,
  setProjectGrantState,
} from '../../domain/commands/project-grants.ts';
import {
  addProjectRole,
  changeProject,
  changeProjectRole,
  createProject,
  listProjects,
  removeProject,
  removeProjectRole,
  setProjectState,
} from '../../domain/commands/projects.ts';
import { clientSecretHashKey } from '../../platform/derived-keys.ts';
import { invalidField } from '../../domain/errors.ts';
import { APPLICATION, loadProject, ORG, PROJECT, PROJECT_GRANT, PROJECT_GRANT_VIEW } from './load.ts';
import { resourceRoute, stateRoutes, type ApiRoute } from './route.ts';
import { id, name, page, roleKey, roleKeys, state } from './schemas.ts';

const projectSettings = {
  projectRoleAssertion: z.boolean().optional(),
  projectRoleCheck: z.boolean().optional(),
  hasProjectCheck: z.boolean().optional(),
  privateLabelingSetting: z.enum(PRIVATE_LABELING_SETTINGS).optional(),
};

const roleView = z.object({ key: z.string(), displayName: z.string(), group: z.string().nullable() });
const projectView = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  state,
  projectRoleAssertion: z.boolean(),
  projectRoleCheck: z.boolean(),
  hasProjectCheck: z.boolean(),
  privateLabelingSetting: z.enum(PRIVATE_LABELING_SETTINGS),
  roles: z.array(roleView),
});

function toProjectView(project: ProjectDocument): z.input<typeof projectView> {
  return {
    id: project._id,
    orgId: project.orgId,
    name: project.name,
    state: project.state,
    projectRoleAssertion: project.projectRoleAssertion,
    projectRoleCheck: project.projectRoleCheck,
    hasProjectCheck: project.hasProjectCheck,
    privateLabelingSetting: project.privateLabelingSetting,
    roles: project.roles.map((role) => ({ key: role.key, displayName: role.displayName, group: role.group ?? null })),
  };
}

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
 * Redirect URIs must suit the app type (https for web apps, loopback or custom schemes for native ones) unless devMode.
 */
function checkRedirectUris(settings: Partial<OidcSettings>): void {
  for (const field of ['redirectUris', 'postLogoutRedirectUris'] as const) {
    const problems = redirectUriProblems(settings[field] ?? [], settings.appType ?? 'web', settings.devMode ?? false);
    if (problems.length) throw invalidField(field, problems.join('; '));
  }
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
        }
      : null,
    api: app.api ? { authMethod: app.api.authMethod } : null,
  };
}

const grantView = z.object({
  id: z.string(),
  projectId: z.string(),
  orgId: z.string(),
  grantedOrgId: z.string(),
  roleKeys: z.array(z.string()),
  state,
});
const toGrantView = (grant: ProjectGrantDocument): z.input<typeof grantView> => ({
  id: grant._id,
  projectId: grant.projectId,
  orgId: grant.orgId,
  grantedOrgId: grant.grantedOrgId,
  roleKeys: grant.roleKeys,
  state: grant.state,
});

const PROJECTS = 'Projects';
const APPS = 'Applications';
const GRANTS = 'Project grants';

const projectRoutes: ApiRoute[] = [
  resourceRoute({
    method: 'post',
    path: '/orgs/{orgId}/projects',
    tag: PROJECTS,
    summary: 'Create a project (the creator becomes its PROJECT_OWNER)',
    permission: 'project.create',
    on: ORG,
    status: 201,
    body: z.strictObject({ name, ...projectSettings }),
    response: projectView,
    handler: async ({ target, body, actor }) => toProjectView(await createProject(actor, target._id, body)),
  }),
  resourceRoute({
    method: 'get',
    path: '/orgs/{orgId}/projects',
    tag: PROJECTS,
    summary: "List an organization's own projects",
    permission: 'project.read',
    on: ORG,
    query: page,
    response: z.object({ projects: z.array(projectView) }),
    handler: async ({ target, query, actor }) => ({
      projects: (await listProjects(actor.instanceId, target._id, query)).map(toProjectView),
    }),
  }),
  resourceRoute({
    method: 'get',
    path: '/orgs/{orgId}/granted-projects',
    tag: GRANTS,
    summary: 'The project grants an organization received',
    permission: 'project.grant.read',
    on: ORG,
    query: page,
    response: z.object({ grants: z.array(grantView) }),
    handler: async ({ target, query, actor }) => ({
      grants: (await listProjectGrants(actor.instanceId, { grantedOrgId: target._id }, query)).map(toGrantView),
    }),
  }),
  resourceRoute({
    method: 'get',
    path: '/projects/{projectId}',
    tag: PROJECTS,
    summary: 'Read a project with its roles',
    permission: 'project.read',
    on: PROJECT,
    response: projectView,
    handler: async ({ target }) => toProjectView(target),
  }),
  resourceRoute({
    method: 'patch',
    path: '/projects/{projectId}',
    tag: PROJECTS,
    summary: "Change a project's name or settings",
    permission: 'project.write',
    on: PROJECT,
    body: z.strictObject({ name: name.optional(), ...projectSettings }),
    response: projectView,
    handler: async ({ target, body, actor }) => toProjectView(await changeProject(actor, target, body)),
  }),
  ...stateRoutes({
    base: '/projects/{projectId}',
    tag: PROJECTS,
    permission: 'project.write',
    on: PROJECT,
    response: projectView,
    summaries: { deactivate: 'Deactivate a project (nothing is lost)', reactivate: 'Reactivate a project' },
    change: async ({ target, actor }, projectState) =>
      toProjectView(await setProjectState(actor, target, projectState)),
  }),
  resourceRoute({
    method: 'delete',
    path: '/projects/{projectId}',
    tag: PROJECTS,
    summary: 'Delete a project with its grants, user grants, apps and managers',
    permission: 'project.delete',
    on: PROJECT,
    response: null,
    handler: ({ target, actor }) => removeProject(actor, target),
  }),
  resourceRoute({
    method: 'get',
    path: '/projects/{projectId}/roles',
    tag: PROJECTS,
    summary: "A project's roles",
    permission: 'project.role.read',
    on: PROJECT,
    response: z.object({ roles: z.array(roleView) }),
    handler: async ({ target }) => ({ roles: toProjectView(target).roles }),
  }),
  resourceRoute({
    method: 'post',
    path: '/projects/{projectId}/roles',
    tag: PROJECTS,
    summary: 'Add a role to a project',
    permission: 'project.role.write',
    on: PROJECT,
    status: 201,
    body: z.strictObject({ key: roleKey, displayName: name, group: name.optional() }),
    response: roleView,
    async handler({ target, body, actor }) {
      await addProjectRole(actor, target, body);
      return { key: body.key, displayName: body.displayName, group: body.group ?? null };
    },
  }),
  resourceRoute({
    method: 'patch',
    path: '/projects/{projectId}/roles/{key}',
    tag: PROJECTS,
    summary: "Change a role's display name or group",
    permission: 'project.role.write',
    on: PROJECT,
    body: z.strictObject({ displayName: name.optional(), group: name.optional() }),
    response: null,
    handler: ({ target, params, body, actor }) => changeProjectRole(actor, target, params.key ?? '', body),
  }),
  resourceRoute({
    method: 'delete',
    path: '/projects/{projectId}/roles/{key}',
    tag: PROJECTS,
    summary: 'Remove a role from the project, its grants and its user grants',
    permission: 'project.role.delete',
    on: PROJECT,
    response: null,
    handler: ({ target, params, actor }) => removeProjectRole(actor, target, params.key ?? ''),
  }),
];

const appRoutes: ApiRoute[] = [
  resourceRoute({
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
  resourceRoute({
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
  resourceRoute({
    method: 'get',
    path: '/projects/{projectId}/apps/{appId}',
    tag: APPS,
    summary: 'Read an application',
    permission: 'project.app.read',
    on: APPLICATION,
    response: appView,
    handler: async ({ target }) => toAppView(target),
  }),
  resourceRoute({
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
  resourceRoute({
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
  resourceRoute({
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

const grantRoutes: ApiRoute[] = [
  resourceRoute({
    method: 'post',
    path: '/projects/{projectId}/grants',
    tag: GRANTS,
    summary: 'Grant the project to another organization with a subset of its roles',
    permission: 'project.grant.write',
    on: PROJECT,
    status: 201,
    body: z.strictObject({ grantedOrgId: id, roleKeys }),
    response: grantView,
    handler: async ({ target, body, actor }) =>
      toGrantView(await createProjectGrant(actor, target, body.grantedOrgId, body.roleKeys)),
  }),
  resourceRoute({
    method: 'get',
    path: '/projects/{projectId}/grants',
    tag: GRANTS,
    summary: "A project's grants",
    permission: 'project.grant.read',
    on: PROJECT,
    query: page,
    response: z.object({ grants: z.array(grantView) }),
    handler: async ({ target, query, actor }) => ({
      grants: (await listProjectGrants(actor.instanceId, { projectId: target._id }, query)).map(toGrantView),
    }),
  }),
  resourceRoute({
    method: 'get',
    path: '/projects/{projectId}/grants/{grantId}',
    tag: GRANTS,
    summary: 'Read a project grant (also visible to the granted organization)',
    permission: 'project.grant.read',
    on: PROJECT_GRANT_VIEW,
    response: grantView,
    handler: async ({ target }) => toGrantView(target),
  }),
  resourceRoute({
    method: 'patch',
    path: '/projects/{projectId}/grants/{grantId}',
    tag: GRANTS,
    summary: "Replace the grant's role subset; dropped roles leave its user grants",
    permission: 'project.grant.write',
    on: PROJECT_GRANT,
    body: z.strictObject({ roleKeys }),
    response: grantView,
    handler: async ({ target, params, body, actor }) =>
      toGrantView(await changeProjectGrantRoles(actor, await loadProject(actor, params), target, body.roleKeys)),
  }),
  ...stateRoutes({
    base: '/projects/{projectId}/grants/{grantId}',
    tag: GRANTS,
    permission: 'project.grant.write',
    on: PROJECT_GRANT,
    response: grantView,
    summaries: {
      deactivate: 'Deactivate a project grant (user grants are kept)',
      reactivate: 'Reactivate a project grant',
    },
    change: async ({ target, actor }, grantState) => toGrantView(await setProjectGrantState(actor, target, grantState)),
  }),
  resourceRoute({
    method: 'delete',
    path: '/projects/{projectId}/grants/{grantId}',
    tag: GRANTS,
    summary: 'Delete a project grant with its user grants and managers',
    permission: 'project.grant.delete',
    on: PROJECT_GRANT,
    response: null,
    handler: ({ target, actor }) => removeProjectGrant(actor, target),
  }),
];

export const projectAreaRoutes: ApiRoute[] = [...projectRoutes, ...appRoutes, ...grantRoutes];
