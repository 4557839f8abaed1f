import { list } from './forms.ts';
import { renderConsole, type Console, type ConsolePage } from './kit.ts';
import { orgFrame } from './org-tabs.ts';
import { pageOf, type Paging } from './paging.ts';
import { roleOptionsOf, type ProjectView } from './projects.ts';
import { userIdByLoginName, userLabel } from './users.ts';

/** The page's query parameters of the two lists of projects to choose from. */
const PROJECTS_OFFSET = 'projectsOffset';
const GRANTED_OFFSET = 'grantedOffset';
const queried = (c: Console, name: string) => {
  const value = c.ctx.query[name];
  return typeof value === 'string' && value ? value : undefined;
};

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

const ownedChoice = (project: ProjectView): ProjectChoice => ({
  projectId: project.id,
  grantId: null,
  label: project.name,
  roles: project.roles,
});
const grantedChoice = (grant: GrantedView): ProjectChoice => ({
  projectId: grant.projectId,
  grantId: grant.id,
  label: `${grant.projectName} (granted)`,
  roles: grant.roles,
});

/**
 * The projects an org can authorize users on, as far as the manager may read them: a page of its own and a page of
 * those granted to it (with the granted roles only), each list on its own offset.
 */
async function projectChoicePages(c: Console, orgId: string) {
  const choices: ProjectChoice[] = [];
  const pagers: Array<{ label: string; paging: Paging }> = [];
  if (await c.allows('GET /orgs/{orgId}/projects', { orgId })) {
    const owned = await pageOf(c, 'GET /orgs/{orgId}/projects', { orgId }, (found) => found.projects as ProjectView[], {
      offsetParam: PROJECTS_OFFSET,
    });
    choices.push(...owned.rows.map(ownedChoice));
    pagers.push({ label: 'Projects', paging: owned.paging });
  }
  if (await c.allows('GET /orgs/{orgId}/granted-projects', { orgId })) {
    const granted = await pageOf(
      c,
      'GET /orgs/{orgId}/granted-projects',
      { orgId },
      (found) => found.grants as GrantedView[],
      { offsetParam: GRANTED_OFFSET },
    );
    choices.push(...granted.rows.map(grantedChoice));
    pagers.push({ label: 'Granted projects', paging: granted.paging });
  }
  return { choices, pagers };
}

/**
 * One project to choose, read on its own where the manager may (it is on another page, or the manager manages only
 * that grant): the grant of it to the org when `grantId` names one, else the project.
 */
async function projectChoiceOf(c: Console, projectId: string, grantId: string | null) {
  if (grantId) {
    const params = { projectId, grantId };
    if (!(await c.allows('GET /projects/{projectId}/grants/{grantId}', params))) return undefined;
    return grantedChoice(await c.call<GrantedView>('GET /projects/{projectId}/grants/{grantId}', params));
  }
  if (!(await c.allows('GET /projects/{projectId}', { projectId }))) return undefined;
  return ownedChoice(await c.call<ProjectView>('GET /projects/{projectId}', { projectId }));
}

/** Choices by project, read once per page: those listed, the others on their own (projectChoiceOf). */
function choiceFinder(c: Console, listed: ProjectChoice[]) {
  const found = new Map<string, Promise<ProjectChoice | undefined>>();
  return (projectId: string, grantId: string | null) => {
    const key = `${projectId}/${grantId ?? ''}`;
    if (!found.has(key)) {
      const onPage = listed.find((choice) => choice.projectId === projectId);
      found.set(key, onPage ? Promise.resolve(onPage) : projectChoiceOf(c, projectId, grantId));
    }
    return found.get(key)!;
  };
}

interface UserGrantView {
  id: string;
  userId: string;
  projectId: string;
  projectGrantId: string | null;
  roleKeys: string[];
  state: string;
}

/**
 * A row of the list: who, on what, with which roles, and the controls the API allows on it. The roles to change to
 * are the project's (or the grant's subset) where the manager can read them, else only those held (to drop some).
 */
async function rowOf(c: Console, orgId: string, grant: UserGrantView, choiceOf: ReturnType<typeof choiceFinder>) {
  const params = { orgId, userGrantId: grant.id };
  const choice = await choiceOf(grant.projectId, grant.projectGrantId);
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
    const { choices, pagers } = await projectChoicePages(c, orgId);
    const choiceOf = choiceFinder(c, choices);
    const chosenId = (form?.values.projectId as string | undefined) ?? queried(c, 'projectId');
    const chosen = chosenId
      ? await choiceOf(chosenId, queried(c, 'grantId') ?? null)
      : choices.length === 1
        ? choices[0]
        : undefined;
    const rows = await Promise.all(userGrants.map((grant) => rowOf(c, orgId, grant, choiceOf)));
    await renderConsole(
      c,
      'authorizations.njk',
      {
        title: `Authorizations of ${frame.org.name}`,
        ...frame,
        orgId,
        rows,
        paging,
        // The chosen project is offered even when it is on another page of its list.
        choices: chosen && !choices.includes(chosen) ? [chosen, ...choices] : choices,
        pagers,
        offsets: Object.fromEntries(
          [PROJECTS_OFFSET, GRANTED_OFFSET].flatMap((name) => (queried(c, name) ? [[name, queried(c, name)]] : [])),
        ),
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
