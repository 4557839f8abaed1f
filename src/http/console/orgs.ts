import { text } from './forms.ts';
import { lifetimesPage } from './lifetimes.ts';
import { renderConsole, type ConsolePage } from './kit.ts';
import { orgFrame } from './org-tabs.ts';
import { pageOf } from './paging.ts';

interface OrgView {
  id: string;
  name: string;
  primaryDomain: string;
  state: string;
  domains: Array<{ domain: string; verified: boolean }>;
}

/** The organizations the manager can read: all of the instance's for its managers, "my organization" for others. */
export const orgListPage: ConsolePage = {
  path: '/orgs',
  async render(c, form, status) {
    const { rows: orgs, paging } = await pageOf(c, 'GET /orgs', {}, (found) => found.orgs as OrgView[]);
    await renderConsole(
      c,
      'orgs.njk',
      { title: 'Organizations', orgs, paging, form, canCreate: await c.allows('POST /orgs') },
      status,
    );
  },
  actions: {
    create: {
      route: 'POST /orgs',
      body: (form) => ({ name: form.get('name') ?? '', primaryDomain: text(form, 'primaryDomain') }),
      done: (_c, result) => `/orgs/${(result as OrgView).id}`,
    },
  },
};

const ORG_PATH = '/orgs/:orgId';

export const orgPage: ConsolePage = {
  path: ORG_PATH,
  async render(c, form, status) {
    const orgId = c.ctx.params.orgId!;
    const frame = await orgFrame(c, orgId);
    const org = frame.org;
    const params = { orgId };
    await renderConsole(
      c,
      'org.njk',
      {
        title: org.name,
        ...frame,
        org,
        form,
        can: {
          rename: await c.allows('PATCH /orgs/{orgId}', params),
          state: await c.allows(`POST /orgs/{orgId}/${org.state === 'active' ? 'deactivate' : 'reactivate'}`, params),
          remove: await c.allows('DELETE /orgs/{orgId}', params),
        },
      },
      status,
    );
  },
  actions: {
    rename: {
      route: 'PATCH /orgs/{orgId}',
      body: (form) => ({ name: form.get('name') ?? '' }),
      done: (_c, _result, params) => `/orgs/${params.orgId}`,
    },
    deactivate: { route: 'POST /orgs/{orgId}/deactivate', done: (_c, _r, params) => `/orgs/${params.orgId}` },
    reactivate: { route: 'POST /orgs/{orgId}/reactivate', done: (_c, _r, params) => `/orgs/${params.orgId}` },
  },
};

/** Deleting an org asks first, naming what goes with it (domain/commands/orgs.ts removeOrg). */
export const orgDeletePage: ConsolePage = {
  path: `${ORG_PATH}/delete`,
  async render(c, form, status) {
    const orgId = c.ctx.params.orgId!;
    const frame = await orgFrame(c, orgId);
    await renderConsole(
      c,
      'confirm-delete.njk',
      {
        title: `Delete ${frame.org.name}?`,
        ...frame,
        form,
        cascade: [
          'all its users, with their factors, sessions, keys and tokens',
          'all its projects, with their roles, applications and the grants of them to other organizations',
          'the authorizations it gave, and those its users received',
          'its managers',
        ],
        confirmName: frame.org.name,
        cancelUrl: `/ui/console/orgs/${orgId}`,
        allowed: await c.allows('DELETE /orgs/{orgId}', { orgId }),
      },
      status,
    );
  },
  actions: {
    delete: { route: 'DELETE /orgs/{orgId}', done: () => '/orgs' },
  },
};

/** The org's token lifetimes for its projects' applications; an empty field inherits the instance's. */
export const orgSettingsPage = lifetimesPage({
  path: `${ORG_PATH}/settings`,
  read: 'GET /orgs/{orgId}/token-lifetimes',
  write: 'PUT /orgs/{orgId}/token-lifetimes',
  async frame(c, params) {
    const frame = await orgFrame(c, params.orgId!);
    return { title: `Settings of ${frame.org.name}`, ...frame };
  },
  intro:
    'For the applications of this organization’s projects. An empty field uses the instance’s lifetime; ' +
    'a project may set its own.',
  inheritsFrom: 'the instance',
});
