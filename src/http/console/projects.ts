import { DomainError, invalidField } from '../../domain/errors.ts';
import { checked, lines, list, text } from './forms.ts';
import { renderConsole, type Console, type ConsolePage } from './kit.ts';
import { lifetimesPage } from './lifetimes.ts';
import { orgFrame } from './org-tabs.ts';
import { pageOf } from './paging.ts';

export interface ProjectView {
  id: string;
  orgId: string;
  name: string;
  state: string;
  projectRoleAssertion: boolean;
  projectRoleCheck: boolean;
  hasProjectCheck: boolean;
  roles: Array<{ key: string; displayName: string; group: string | null }>;
}

export const projectListPage: ConsolePage = {
  path: '/orgs/:orgId/projects',
  async render(c, form, status) {
    const orgId = c.ctx.params.orgId!;
    const frame = await orgFrame(c, orgId);
    const { rows: projects, paging } = await pageOf(
      c,
      'GET /orgs/{orgId}/projects',
      { orgId },
      (found) => found.projects as ProjectView[],
    );
    const canCreate = await c.allows('POST /orgs/{orgId}/projects', { orgId });
    await renderConsole(
      c,
      'projects.njk',
      { title: `Projects of ${frame.org.name}`, ...frame, projects, paging, form, canCreate },
      status,
    );
  },
  actions: {
    create: {
      route: 'POST /orgs/{orgId}/projects',
      body: (form) => ({
        name: form.get('name') ?? '',
        projectRoleAssertion: checked(form, 'projectRoleAssertion'),
        projectRoleCheck: checked(form, 'projectRoleCheck'),
      }),
      done: (_c, result) => `/projects/${(result as { id: string }).id}`,
    },
  },
};

interface AppView {
  id: string;
  name: string;
  type: string;
  state: string;
  clientId: string;
}
interface GrantView {
  id: string;
  grantedOrgId: string;
  roleKeys: string[];
  state: string;
}

async function projectSections(c: Console, project: ProjectView) {
  const params = { projectId: project.id };
  /** One page of a list the manager may read, else none; each list pages on its own query parameter. */
  const readable = async <T>(key: string, list: string, offsetParam: string) =>
    (await c.allows(key, params))
      ? pageOf(c, key, params, (found) => found[list] as T[], { offsetParam })
      : { rows: null, paging: null };
  const apps = await readable<AppView>('GET /projects/{projectId}/apps', 'apps', 'appsOffset');
  const grants = await readable<GrantView>('GET /projects/{projectId}/grants', 'grants', 'grantsOffset');
  return {
    apps: apps.rows,
    appsPaging: apps.paging,
    grantsPaging: grants.paging,
    grants:
      grants.rows &&
      (await Promise.all(
        grants.rows.map(async (grant) => ({ ...grant, orgName: await orgNameOf(c, grant.grantedOrgId) })),
      )),
    can: {
      write: await c.allows('PATCH /projects/{projectId}', params),
      addRole: await c.allows('POST /projects/{projectId}/roles', params),
      removeRole: await c.allows('DELETE /projects/{projectId}/roles/{key}', { ...params, key: '-' }),
      addApp: await c.allows('POST /projects/{projectId}/apps', params),
      grant: await c.allows('POST /projects/{projectId}/grants', params),
      managers: await c.allows('GET /projects/{projectId}/members', params),
      remove: await c.allows('DELETE /projects/{projectId}', params),
      state: await c.allows(
        `POST /projects/{projectId}/${project.state === 'active' ? 'deactivate' : 'reactivate'}`,
        params,
      ),
      lifetimes: await c.allows('GET /projects/{projectId}/token-lifetimes', params),
    },
  };
}

/** An org's name where the manager may read it, else the id (a granting org sees the grantee only by id). */
async function orgNameOf(c: Console, orgId: string): Promise<string> {
  return (await c.allows('GET /orgs/{orgId}', { orgId }))
    ? (await c.call<{ name: string }>('GET /orgs/{orgId}', { orgId })).name
    : orgId;
}

/** Roles as checkboxes: the display name, with the key the claims carry. */
export const roleOptionsOf = (roles: Array<{ key: string; displayName: string }>) =>
  roles.map((role) => ({ value: role.key, label: `${role.displayName} (${role.key})` }));

const here = (c: Console) => `/projects/${c.ctx.params.projectId}`;

export const projectPage: ConsolePage = {
  path: '/projects/:projectId',
  async render(c, form, status) {
    const project = await c.call<ProjectView>('GET /projects/{projectId}', { projectId: c.ctx.params.projectId! });
    c.brandOrgId = project.orgId;
    const orgTabs = (await c.allows('GET /orgs/{orgId}', { orgId: project.orgId }))
      ? (await orgFrame(c, project.orgId)).tabs
      : [];
    const sections = await projectSections(c, project);
    await renderConsole(
      c,
      'project.njk',
      { title: project.name, tabs: orgTabs, project, roleOptions: roleOptionsOf(project.roles), ...sections, form },
      status,
    );
  },
  actions: {
    settings: {
      route: 'PATCH /projects/{projectId}',
      body: (form) => ({
        name: form.get('name') ?? '',
        projectRoleAssertion: checked(form, 'projectRoleAssertion'),
        projectRoleCheck: checked(form, 'projectRoleCheck'),
        hasProjectCheck: checked(form, 'hasProjectCheck'),
      }),
      done: here,
    },
    addRole: {
      route: 'POST /projects/{projectId}/roles',
      body: (form) => ({
        key: form.get('key') ?? '',
        displayName: form.get('displayName') ?? '',
        group: text(form, 'group'),
      }),
      done: here,
    },
    deactivate: { route: 'POST /projects/{projectId}/deactivate', done: here },
    reactivate: { route: 'POST /projects/{projectId}/reactivate', done: here },
    removeRole: {
      route: 'DELETE /projects/{projectId}/roles/{key}',
      params: (c, form) => ({ projectId: c.ctx.params.projectId!, key: form.get('key') ?? '' }),
      done: here,
    },
    addApp: {
      route: 'POST /projects/{projectId}/apps',
      body: (form) => ({
        type: 'oidc',
        name: form.get('name') ?? '',
        appType: form.get('appType') ?? 'web',
        authMethod: form.get('authMethod') ?? 'basic',
        redirectUris: lines(form, 'redirectUris'),
        postLogoutRedirectUris: lines(form, 'postLogoutRedirectUris'),
        devMode: checked(form, 'devMode'),
        idTokenRoleAssertion: checked(form, 'idTokenRoleAssertion'),
        accessTokenRoleAssertion: checked(form, 'accessTokenRoleAssertion'),
      }),
      async done(c, result) {
        const created = result as { id: string; clientId: string; clientSecret?: string };
        await renderConsole(c, 'secret.njk', {
          title: 'Application created',
          what: 'the application',
          clientId: created.clientId,
          secret: created.clientSecret,
          nextUrl: `/ui/console/projects/${c.ctx.params.projectId}/apps/${created.id}`,
        });
      },
    },
    grant: {
      route: 'POST /projects/{projectId}/grants',
      async body(form, c) {
        const domain = (form.get('grantedOrgDomain') ?? '').trim();
        const org = await c
          .call<{ id: string }>('GET /orgs/_by-domain/{primaryDomain}', { primaryDomain: domain })
          .catch((error: unknown) => {
            if (error instanceof DomainError && error.kind === 'not-found') return null;
            throw error;
          });
        if (!org) throw invalidField('grantedOrgDomain', 'No active organization has exactly this primary domain');
        return { grantedOrgId: org.id, roleKeys: list(form, 'roleKeys') };
      },
      done: here,
    },
  },
};

export const projectDeletePage: ConsolePage = {
  path: '/projects/:projectId/delete',
  async render(c, form, status) {
    const project = await c.call<ProjectView>('GET /projects/{projectId}', { projectId: c.ctx.params.projectId! });
    c.brandOrgId = project.orgId;
    await renderConsole(
      c,
      'confirm-delete.njk',
      {
        title: `Delete ${project.name}?`,
        form,
        confirmName: project.name,
        cascade: [
          'its roles and applications (their clients stop working)',
          'its grants to other organizations, with the authorizations given through them',
          'the authorizations (user grants) on it, and its managers',
        ],
        cancelUrl: `/ui/console/projects/${project.id}`,
        allowed: await c.allows('DELETE /projects/{projectId}', { projectId: project.id }),
      },
      status,
    );
  },
  actions: {
    delete: { route: 'DELETE /projects/{projectId}', done: () => '/' },
  },
};

/** A project's token lifetimes for its applications; an empty field inherits its org's. */
export const projectLifetimesPage = lifetimesPage({
  path: '/projects/:projectId/token-lifetimes',
  read: 'GET /projects/{projectId}/token-lifetimes',
  write: 'PUT /projects/{projectId}/token-lifetimes',
  async frame(c, params) {
    const project = await c.call<ProjectView>('GET /projects/{projectId}', params);
    c.brandOrgId = project.orgId;
    return {
      title: `Token lifetimes of ${project.name}`,
      back: { href: `/ui/console/projects/${project.id}`, label: `Back to ${project.name}` },
    };
  },
  intro: 'For this project’s applications. An empty field uses the organization’s lifetime (or the instance’s).',
  inheritsFrom: 'the organization',
});
