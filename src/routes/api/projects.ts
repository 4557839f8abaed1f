import { z } from 'zod';
import { OIDC_APP_TYPES, OIDC_AUTH_METHODS, OIDC_GRANT_TYPES, OIDC_RESPONSE_TYPES, API_AUTH_METHODS, type ApplicationDocument } from '../../models/application.ts';
import { PRIVATE_LABELING_SETTINGS, type ProjectDocument } from '../../models/project.ts';
import type { ProjectGrantDocument } from '../../models/project-grant.ts';
import { redirectUriProblems } from '../../libraries/redirect-uris.ts';
import { orgContext, projectContext, projectGrantOwnerContext, projectGrantViewContext } from '../../libraries/resource-context.ts';
import { changeApplication, createApplication, listApplications, regenerateClientSecret, removeApplication, setApplicationState, type OidcSettings } from '../../queries/applications.ts';
import { changeProjectGrantRoles, createProjectGrant, listProjectGrants, removeProjectGrant, setProjectGrantState } from '../../queries/project-grants.ts';
import { addProjectRole, changeProject, changeProjectRole, createProject, listProjects, removeProject, removeProjectRole, setProjectState } from '../../queries/projects.ts';
import { clientSecretHashKey } from '../../queries/secrets.ts';
import { invalidField } from '../../queries/writes.ts';
import { loadApplication, loadOrg, loadProject, loadProjectGrant } from './load.ts';
import { route, type ApiRoute } from './route.ts';
import { id, name, roleKey, roleKeys, state } from './schemas.ts';

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
    id: project._id, orgId: project.orgId, name: project.name, state: project.state,
    projectRoleAssertion: project.projectRoleAssertion, projectRoleCheck: project.projectRoleCheck, hasProjectCheck: project.hasProjectCheck,
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
const appChange = z.strictObject({ name: name.optional(), ...oidcFields, redirectUris: oidcFields.redirectUris.optional(), apiAuthMethod: z.enum(API_AUTH_METHODS).optional() });

/** Redirect URIs must suit the app type (https for web apps, loopback or custom schemes for native ones) unless devMode. */
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
  oidc: z.object({
    redirectUris: z.array(z.string()), postLogoutRedirectUris: z.array(z.string()), grantTypes: z.array(z.string()), responseTypes: z.array(z.string()),
    appType: z.string(), authMethod: z.string(), accessTokenType: z.string(), accessTokenRoleAssertion: z.boolean(), idTokenRoleAssertion: z.boolean(), idTokenUserinfoAssertion: z.boolean(), devMode: z.boolean(),
  }).nullable(),
  api: z.object({ authMethod: z.string() }).nullable(),
});

function toAppView(app: ApplicationDocument): z.input<typeof appView> {
  const oidc = app.oidc;
  return {
    id: app._id, projectId: app.projectId, name: app.name, type: app.type, state: app.state, clientId: app.clientId,
    oidc: oidc ? {
      redirectUris: oidc.redirectUris, postLogoutRedirectUris: oidc.postLogoutRedirectUris, grantTypes: oidc.grantTypes, responseTypes: oidc.responseTypes,
      appType: oidc.appType, authMethod: oidc.authMethod, accessTokenType: oidc.accessTokenType, accessTokenRoleAssertion: oidc.accessTokenRoleAssertion,
      idTokenRoleAssertion: oidc.idTokenRoleAssertion, idTokenUserinfoAssertion: oidc.idTokenUserinfoAssertion, devMode: oidc.devMode,
    } : null,
    api: app.api ? { authMethod: app.api.authMethod } : null,
  };
}

const grantView = z.object({ id: z.string(), projectId: z.string(), orgId: z.string(), grantedOrgId: z.string(), roleKeys: z.array(z.string()), state });
const toGrantView = (grant: ProjectGrantDocument): z.input<typeof grantView> => ({ id: grant._id, projectId: grant.projectId, orgId: grant.orgId, grantedOrgId: grant.grantedOrgId, roleKeys: grant.roleKeys, state: grant.state });

const PROJECTS = 'Projects';
const APPS = 'Applications';
const GRANTS = 'Project grants';

const projectRoutes: ApiRoute[] = [
  route({
    method: 'post', path: '/orgs/{orgId}/projects', tag: PROJECTS, summary: 'Create a project (the creator becomes its PROJECT_OWNER)',
    permission: 'project.create', resource: 'org', status: 201, body: z.strictObject({ name, ...projectSettings }), response: projectView,
    async handler({ params, body, actor, authorize }) {
      const org = await loadOrg(actor, params);
      authorize(orgContext(org._id));
      return toProjectView(await createProject(actor, org._id, body));
    },
  }),
  route({
    method: 'get', path: '/orgs/{orgId}/projects', tag: PROJECTS, summary: "List an organization's own projects",
    permission: 'project.read', resource: 'org', response: z.object({ projects: z.array(projectView) }),
    async handler({ params, actor, authorize }) {
      const org = await loadOrg(actor, params);
      authorize(orgContext(org._id));
      return { projects: (await listProjects(actor.instanceId, org._id)).map(toProjectView) };
    },
  }),
  route({
    method: 'get', path: '/orgs/{orgId}/granted-projects', tag: GRANTS, summary: 'The project grants an organization received',
    permission: 'project.grant.read', resource: 'org', response: z.object({ grants: z.array(grantView) }),
    async handler({ params, actor, authorize }) {
      const org = await loadOrg(actor, params);
      authorize(orgContext(org._id));
      return { grants: (await listProjectGrants(actor.instanceId, { grantedOrgId: org._id })).map(toGrantView) };
    },
  }),
  route({
    method: 'get', path: '/projects/{projectId}', tag: PROJECTS, summary: 'Read a project with its roles',
    permission: 'project.read', resource: 'project', response: projectView,
    async handler({ params, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      return toProjectView(project);
    },
  }),
  route({
    method: 'patch', path: '/projects/{projectId}', tag: PROJECTS, summary: "Change a project's name or settings",
    permission: 'project.write', resource: 'project', body: z.strictObject({ name: name.optional(), ...projectSettings }), response: projectView,
    async handler({ params, body, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      return toProjectView(await changeProject(actor, project, body));
    },
  }),
  ...(['deactivate', 'reactivate'] as const).map((action) =>
    route({
      method: 'post', path: `/projects/{projectId}/${action}`, tag: PROJECTS, summary: action === 'deactivate' ? 'Deactivate a project (nothing is lost)' : 'Reactivate a project',
      permission: 'project.write', resource: 'project', response: projectView,
      async handler({ params, actor, authorize }) {
        const project = await loadProject(actor, params);
        authorize(projectContext(project));
        return toProjectView(await setProjectState(actor, project, action === 'deactivate' ? 'inactive' : 'active'));
      },
    }),
  ),
  route({
    method: 'delete', path: '/projects/{projectId}', tag: PROJECTS, summary: 'Delete a project with its grants, user grants, apps and managers',
    permission: 'project.delete', resource: 'project', response: null,
    async handler({ params, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      await removeProject(actor, project);
    },
  }),
  route({
    method: 'get', path: '/projects/{projectId}/roles', tag: PROJECTS, summary: "A project's roles",
    permission: 'project.role.read', resource: 'project', response: z.object({ roles: z.array(roleView) }),
    async handler({ params, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      return { roles: toProjectView(project).roles };
    },
  }),
  route({
    method: 'post', path: '/projects/{projectId}/roles', tag: PROJECTS, summary: 'Add a role to a project',
    permission: 'project.role.write', resource: 'project', status: 201, body: z.strictObject({ key: roleKey, displayName: name, group: name.optional() }), response: roleView,
    async handler({ params, body, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      await addProjectRole(actor, project, body);
      return { key: body.key, displayName: body.displayName, group: body.group ?? null };
    },
  }),
  route({
    method: 'patch', path: '/projects/{projectId}/roles/{key}', tag: PROJECTS, summary: "Change a role's display name or group",
    permission: 'project.role.write', resource: 'project', body: z.strictObject({ displayName: name.optional(), group: name.optional() }), response: null,
    async handler({ params, body, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      await changeProjectRole(actor, project, params.key ?? '', body);
    },
  }),
  route({
    method: 'delete', path: '/projects/{projectId}/roles/{key}', tag: PROJECTS, summary: 'Remove a role from the project, its grants and its user grants',
    permission: 'project.role.delete', resource: 'project', response: null,
    async handler({ params, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      await removeProjectRole(actor, project, params.key ?? '');
    },
  }),
];

const appRoutes: ApiRoute[] = [
  route({
    method: 'post', path: '/projects/{projectId}/apps', tag: APPS, summary: 'Create an OIDC or API application; a client secret, if the auth method uses one, is shown once',
    permission: 'project.app.write', resource: 'project', status: 201, body: newApp,
    response: z.object({ id: z.string(), clientId: z.string(), clientSecret: z.string().optional() }),
    async handler({ params, body, actor, services, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      const { type, name: appName, ...settings } = body;
      if (type === 'oidc') checkRedirectUris(settings as OidcSettings);
      const input = type === 'oidc' ? { type, name: appName, oidc: settings as OidcSettings } : { type, name: appName, api: { authMethod: (settings as { authMethod: 'basic' | 'private_key_jwt' }).authMethod } };
      const { app, clientSecret } = await createApplication(actor, project, input, clientSecretHashKey(services.masterKey));
      return { id: app._id, clientId: app.clientId, ...(clientSecret ? { clientSecret } : {}) };
    },
  }),
  route({
    method: 'get', path: '/projects/{projectId}/apps', tag: APPS, summary: "A project's applications",
    permission: 'project.app.read', resource: 'project', response: z.object({ apps: z.array(appView) }),
    async handler({ params, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      return { apps: (await listApplications(actor.instanceId, project._id)).map(toAppView) };
    },
  }),
  route({
    method: 'get', path: '/projects/{projectId}/apps/{appId}', tag: APPS, summary: 'Read an application',
    permission: 'project.app.read', resource: 'application', response: appView,
    async handler({ params, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      return toAppView(await loadApplication(actor, params));
    },
  }),
  route({
    method: 'patch', path: '/projects/{projectId}/apps/{appId}', tag: APPS, summary: "Change an application's name or configuration",
    permission: 'project.app.write', resource: 'application', body: appChange, response: appView,
    async handler({ params, body, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      const app = await loadApplication(actor, params);
      const { name: appName, apiAuthMethod, ...oidc } = body;
      const oidcChange = Object.keys(oidc).length ? (oidc as Partial<OidcSettings>) : undefined;
      if (oidcChange) checkRedirectUris({ ...app.oidc, ...oidcChange } as OidcSettings);
      return toAppView(await changeApplication(actor, app, { name: appName, oidc: oidcChange, api: apiAuthMethod ? { authMethod: apiAuthMethod } : undefined }));
    },
  }),
  ...(['deactivate', 'reactivate'] as const).map((action) =>
    route({
      method: 'post', path: `/projects/{projectId}/apps/{appId}/${action}`, tag: APPS, summary: action === 'deactivate' ? 'Deactivate an application (its client is refused; nothing is lost)' : 'Reactivate an application',
      permission: 'project.app.write', resource: 'application', response: appView,
      async handler({ params, actor, authorize }) {
        const project = await loadProject(actor, params);
        authorize(projectContext(project));
        return toAppView(await setApplicationState(actor, await loadApplication(actor, params), action === 'deactivate' ? 'inactive' : 'active'));
      },
    }),
  ),
  route({
    method: 'post', path: '/projects/{projectId}/apps/{appId}/secret', tag: APPS, summary: 'Generate a new client secret (shown once; the old one stops working)',
    permission: 'project.app.write', resource: 'application', response: z.object({ clientId: z.string(), clientSecret: z.string() }),
    async handler({ params, actor, services, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      const app = await loadApplication(actor, params);
      return { clientId: app.clientId, clientSecret: await regenerateClientSecret(actor, app, clientSecretHashKey(services.masterKey)) };
    },
  }),
  route({
    method: 'delete', path: '/projects/{projectId}/apps/{appId}', tag: APPS, summary: 'Delete an application',
    permission: 'project.app.delete', resource: 'application', response: null,
    async handler({ params, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      await removeApplication(actor, await loadApplication(actor, params));
    },
  }),
];

const grantRoutes: ApiRoute[] = [
  route({
    method: 'post', path: '/projects/{projectId}/grants', tag: GRANTS, summary: 'Grant the project to another organization with a subset of its roles',
    permission: 'project.grant.write', resource: 'project', status: 201, body: z.strictObject({ grantedOrgId: id, roleKeys }), response: grantView,
    async handler({ params, body, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      return toGrantView(await createProjectGrant(actor, project, body.grantedOrgId, body.roleKeys));
    },
  }),
  route({
    method: 'get', path: '/projects/{projectId}/grants', tag: GRANTS, summary: "A project's grants",
    permission: 'project.grant.read', resource: 'project', response: z.object({ grants: z.array(grantView) }),
    async handler({ params, actor, authorize }) {
      const project = await loadProject(actor, params);
      authorize(projectContext(project));
      return { grants: (await listProjectGrants(actor.instanceId, { projectId: project._id })).map(toGrantView) };
    },
  }),
  route({
    method: 'get', path: '/projects/{projectId}/grants/{grantId}', tag: GRANTS, summary: 'Read a project grant (also visible to the granted organization)',
    permission: 'project.grant.read', resource: 'projectGrant', response: grantView,
    async handler({ params, actor, authorize }) {
      const grant = await loadProjectGrant(actor, params);
      authorize(projectGrantViewContext(grant));
      return toGrantView(grant);
    },
  }),
  route({
    method: 'patch', path: '/projects/{projectId}/grants/{grantId}', tag: GRANTS, summary: "Replace the grant's role subset; dropped roles leave its user grants",
    permission: 'project.grant.write', resource: 'projectGrant', body: z.strictObject({ roleKeys }), response: grantView,
    async handler({ params, body, actor, authorize }) {
      const grant = await loadProjectGrant(actor, params);
      authorize(projectGrantOwnerContext(grant), projectGrantViewContext(grant));
      return toGrantView(await changeProjectGrantRoles(actor, await loadProject(actor, params), grant, body.roleKeys));
    },
  }),
  ...(['deactivate', 'reactivate'] as const).map((action) =>
    route({
      method: 'post', path: `/projects/{projectId}/grants/{grantId}/${action}`, tag: GRANTS, summary: action === 'deactivate' ? 'Deactivate a project grant (user grants are kept)' : 'Reactivate a project grant',
      permission: 'project.grant.write', resource: 'projectGrant', response: grantView,
      async handler({ params, actor, authorize }) {
        const grant = await loadProjectGrant(actor, params);
        authorize(projectGrantOwnerContext(grant), projectGrantViewContext(grant));
        return toGrantView(await setProjectGrantState(actor, grant, action === 'deactivate' ? 'inactive' : 'active'));
      },
    }),
  ),
  route({
    method: 'delete', path: '/projects/{projectId}/grants/{grantId}', tag: GRANTS, summary: 'Delete a project grant with its user grants and managers',
    permission: 'project.grant.delete', resource: 'projectGrant', response: null,
    async handler({ params, actor, authorize }) {
      const grant = await loadProjectGrant(actor, params);
      authorize(projectGrantOwnerContext(grant), projectGrantViewContext(grant));
      await removeProjectGrant(actor, grant);
    },
  }),
];

export const projectAreaRoutes: ApiRoute[] = [...projectRoutes, ...appRoutes, ...grantRoutes];
