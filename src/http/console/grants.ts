import { list } from './forms.ts';
import { renderConsole, type Console, type ConsolePage } from './kit.ts';
import { orgFrame } from './org-tabs.ts';
import { pageOf } from './paging.ts';

interface GrantedProjectView {
  id: string;
  projectId: string;
  orgId: string;
  grantedOrgId: string;
  projectName: string;
  roleKeys: string[];
  roles: Array<{ key: string; displayName: string }>;
  state: string;
}

/** The projects an org received: each project's name and granted roles, read only (the owner decides them). */
export const grantedProjectsPage: ConsolePage = {
  path: '/orgs/:orgId/granted-projects',
  async render(c, form, status) {
    const orgId = c.ctx.params.orgId!;
    const frame = await orgFrame(c, orgId);
    const { rows: grants, paging } = await pageOf(
      c,
      'GET /orgs/{orgId}/granted-projects',
      { orgId },
      (found) => found.grants as GrantedProjectView[],
    );
    await renderConsole(
      c,
      'granted-projects.njk',
      { title: `Projects granted to ${frame.org.name}`, ...frame, grants, paging, form },
      status,
    );
  },
};

const grantPath = (c: Console) => `/projects/${c.ctx.params.projectId}/grants/${c.ctx.params.grantId}`;

/**
 * One project grant: for the granting side, its roles to change and the grant to remove; for the receiving org, the
 * project's name and granted roles, read only, its managers and where to authorize users.
 */
export const grantPage: ConsolePage = {
  path: '/projects/:projectId/grants/:grantId',
  async render(c, form, status) {
    const params = { projectId: c.ctx.params.projectId!, grantId: c.ctx.params.grantId! };
    const grant = await c.call<GrantedProjectView>('GET /projects/{projectId}/grants/{grantId}', params);
    const owning = await c.allows('PATCH /projects/{projectId}/grants/{grantId}', params);
    c.brandOrgId = owning ? grant.orgId : grant.grantedOrgId;
    const project = owning
      ? await c.call<{ roles: Array<{ key: string; displayName: string }> }>('GET /projects/{projectId}', params)
      : null;
    await renderConsole(
      c,
      'grant.njk',
      {
        title: `${grant.projectName} (granted)`,
        grant,
        form,
        roleOptions: project?.roles.map((role) => ({ value: role.key, label: `${role.displayName} (${role.key})` })),
        can: {
          change: owning,
          remove: await c.allows('DELETE /projects/{projectId}/grants/{grantId}', params),
          managers: await c.allows('GET /projects/{projectId}/grants/{grantId}/members', params),
          authorize: await c.allows('GET /orgs/{orgId}/user-grants', { orgId: grant.grantedOrgId }),
        },
      },
      status,
    );
  },
  actions: {
    roles: {
      route: 'PATCH /projects/{projectId}/grants/{grantId}',
      body: (form) => ({ roleKeys: list(form, 'roleKeys') }),
      done: grantPath,
    },
    delete: {
      route: 'DELETE /projects/{projectId}/grants/{grantId}',
      done: (c) => `/projects/${c.ctx.params.projectId}`,
    },
  },
};
