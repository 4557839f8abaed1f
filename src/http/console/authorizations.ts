import { list } from './forms.ts';
import { renderConsole, type Console, type ConsolePage } from './kit.ts';
import { orgFrame } from './org-tabs.ts';
import { pageOf } from './paging.ts';
import { roleOptionsOf, type ProjectView } from './projects.ts';
import { userIdByLoginName, userLabel } from './users.ts';

interface ProjectChoice {
  projectId: string;
  grantId: string | null;
  label: string;
  roles: Array<{ key: string; displayName: string }>;
}
interface GrantedView {
  id: string;
  projectId: string;
  projectName: string;
  roles: Array<{ key: string; displayName: string }>;
}

/**
 * The projects an org can authorize users on, as far as the manager may read them: its own, and those granted to it
 * (with the granted roles only). A grant named in the query is read on its own, for a manager of that grant alone.
 */
async function projectChoices(c: Console, orgId: string): Promise<ProjectChoice[]> {
  const choices: ProjectChoice[] = [];
  const query = { limit: '500' };
  if (await c.allows('GET /orgs/{orgId}/projects', { orgId })) {
    const { projects } = await c.call<{ projects: ProjectView[] }>(
      'GET /orgs/{orgId}/projects',
      { orgId },
      undefined,
      query,
    );
    for (const project of projects)
      choices.push({ projectId: project.id, grantId: null, label: project.name, roles: project.roles });
  }
  const granted: GrantedView[] = [];
  if (await c.allows('GET /orgs/{orgId}/granted-projects', { orgId }))
    granted.push(
      ...(await c.call<{ grants: GrantedView[] }>('GET /orgs/{orgId}/granted-projects', { orgId }, undefined, query))
        .grants,
    );
  const { projectId, grantId } = c.ctx.query;
  if (typeof projectId === 'string' && typeof grantId === 'string' && !granted.some((grant) => grant.id === grantId)) {
    const params = { projectId, grantId };
    if (await c.allows('GET /projects/{projectId}/grants/{grantId}', params))
      granted.push(await c.call<GrantedView>('GET /projects/{projectId}/grants/{grantId}', params));
  }
  for (const grant of granted)
    choices.push({
      projectId: grant.projectId,
      grantId: grant.id,
      label: `${grant.projectName} (granted)`,
      roles: grant.roles,
    });
  return choices;
}

interface UserGrantView {
  id: string;
  userId: string;
  projectId: string;
  roleKeys: string[];
  state: string;
}

/**
 * A row of the list: who, on what, with which roles, and the controls the API allows on it. The roles to change to
 * are the project's (or the grant's subset) where the manager can read them, else only those held (to drop some).
 */
async function rowOf(c: Console, orgId: string, grant: UserGrantView, choices: ProjectChoice[]) {
  const params = { orgId, userGrantId: grant.id };
  const choice = choices.find((candidate) => candidate.projectId === grant.projectId);
  const roles = choice?.roles ?? grant.roleKeys.map((key) => ({ key, displayName: key }));
  return {
    ...grant,
    user: await userLabel(c, grant.userId),
    project: choice?.label ?? grant.projectId,
    roleOptions: roleOptionsOf(roles),
    canChange: await c.allows('PATCH /orgs/{orgId}/user-grants/{userGrantId}', params),
    canRemove: await c.allows('DELETE /orgs/{orgId}/user-grants/{userGrantId}', params),
  };
}

/**
 * An org's authorizations (user grants): who holds which roles on which project. A new one names the project, the
 * roles, and the user by exact login name (seed 004: users of other orgs are never listed or searched).
 */
export const authorizationsPage: ConsolePage = {
  path: '/orgs/:orgId/authorizations',
  async render(c, form, status) {
    const orgId = c.ctx.params.orgId!;
    const frame = await orgFrame(c, orgId).catch(() => ({ org: { id: orgId, name: orgId }, tabs: [] }));
    c.brandOrgId = orgId;
    const { rows: userGrants, paging } = await pageOf(
      c,
      'GET /orgs/{orgId}/user-grants',
      { orgId },
      (found) => found.userGrants as UserGrantView[],
    );
    const choices = await projectChoices(c, orgId);
    const chosenId = (form?.values.projectId as string | undefined) ?? (c.ctx.query.projectId as string | undefined);
    const chosen =
      choices.find((choice) => choice.projectId === chosenId) ?? (choices.length === 1 ? choices[0] : undefined);
    const rows = await Promise.all(userGrants.map((grant) => rowOf(c, orgId, grant, choices)));
    await renderConsole(
      c,
      'authorizations.njk',
      {
        title: `Authorizations of ${frame.org.name}`,
        ...frame,
        orgId,
        rows,
        paging,
        choices,
        chosen,
        roleOptions: chosen ? roleOptionsOf(chosen.roles) : [],
        canCreate: chosen
          ? await c.allows('POST /orgs/{orgId}/user-grants', { orgId }, { projectId: chosen.projectId })
          : false,
        form,
      },
      status,
    );
  },
  actions: {
    create: {
      route: 'POST /orgs/{orgId}/user-grants',
      body: async (form, c) => ({
        userId: await userIdByLoginName(c, form),
        projectId: form.get('projectId') ?? '',
        roleKeys: list(form, 'roleKeys'),
      }),
      done: (c) => `/orgs/${c.ctx.params.orgId}/authorizations`,
    },
    changeRoles: {
      route: 'PATCH /orgs/{orgId}/user-grants/{userGrantId}',
      params: (c, form) => ({ orgId: c.ctx.params.orgId!, userGrantId: form.get('userGrantId') ?? '' }),
      body: (form) => ({ roleKeys: list(form, 'roleKeys') }),
      done: (c) => `/orgs/${c.ctx.params.orgId}/authorizations`,
      flash: 'rolesChanged',
    },
    remove: {
      route: 'DELETE /orgs/{orgId}/user-grants/{userGrantId}',
      params: (c, form) => ({ orgId: c.ctx.params.orgId!, userGrantId: form.get('userGrantId') ?? '' }),
      done: (c) => `/orgs/${c.ctx.params.orgId}/authorizations`,
    },
  },
};
