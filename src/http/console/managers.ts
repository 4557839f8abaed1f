import { MANAGER_ROLE_DESCRIPTIONS } from '../../domain/rules/manager-roles.ts';
import { roleFitsLevel, type ManagerLevel } from '../../domain/rules/permissions.ts';
import { list } from './forms.ts';
import { renderConsole, type Console, type ConsolePage, type Params } from './kit.ts';
import { orgFrame } from './org-tabs.ts';
import { pageOf } from './paging.ts';
import { userIdByLoginName, userLabel } from './users.ts';

interface ManagerLevelPage {
  level: ManagerLevel;
  /** The console path, and the API's members path (list, add; `/{userId}` to change or remove). */
  path: string;
  api: string;
  /** The page's title, and what the page is framed by (the org's sections for an org). */
  frame(c: Console, params: Params): Promise<{ title: string } & Record<string, unknown>>;
}

/**
 * The managers of one resource, at any of ZITADEL's four levels: who holds which roles, with ZITADEL's role names and
 * what each allows; a manager is added by exact login name (never by listing other orgs' users), their roles changed
 * in place, and removed.
 */
function managersPage(spec: ManagerLevelPage, roleNames: readonly string[]): ConsolePage {
  const roles = roleNames
    .filter((role) => roleFitsLevel(role, spec.level))
    .map((role) => ({ value: role, label: `${role}: ${MANAGER_ROLE_DESCRIPTIONS[role] ?? ''}` }));
  const params = (c: Console) => c.ctx.params as Params;
  return {
    path: spec.path,
    async render(c, form, status) {
      const frame = await spec.frame(c, params(c));
      const { rows: members, paging } = await pageOf(
        c,
        `GET ${spec.api}`,
        params(c),
        (found) => found.members as Array<{ userId: string; roles: string[] }>,
      );
      const managers = await Promise.all(
        members.map(async (member) => ({ ...member, label: await userLabel(c, member.userId) })),
      );
      await renderConsole(
        c,
        'managers.njk',
        {
          ...frame,
          managers,
          paging,
          roles,
          // In a row of the table, the names alone: the descriptions are in the form to add a manager.
          rowRoles: roles.map((role) => ({ value: role.value, label: role.value })),
          form,
          canAdd: await c.allows(`POST ${spec.api}`, params(c)),
          canChange: await c.allows(`PUT ${spec.api}/{userId}`, { ...params(c), userId: '-' }),
          canRemove: await c.allows(`DELETE ${spec.api}/{userId}`, { ...params(c), userId: '-' }),
        },
        status,
      );
    },
    actions: {
      add: {
        route: `POST ${spec.api}`,
        body: async (form, c) => ({ userId: await userIdByLoginName(c, form), roles: list(form, 'roles') }),
        done: (c) => c.ctx.path.replace(/^\/ui\/console/, ''),
      },
      changeRoles: {
        route: `PUT ${spec.api}/{userId}`,
        params: (c, form) => ({ ...params(c), userId: form.get('userId') ?? '' }),
        body: (form) => ({ roles: list(form, 'roles') }),
        done: (c) => c.ctx.path.replace(/^\/ui\/console/, ''),
        flash: 'rolesChanged',
      },
      remove: {
        route: `DELETE ${spec.api}/{userId}`,
        params: (c, form) => ({ ...params(c), userId: form.get('userId') ?? '' }),
        done: (c) => c.ctx.path.replace(/^\/ui\/console/, ''),
      },
    },
  };
}

export function managerPages(roleNames: readonly string[]): ConsolePage[] {
  return [
    managersPage(
      {
        level: 'instance',
        path: '/instance/managers',
        api: '/instance/members',
        frame: async (c) => ({ title: `Managers of ${c.tenant.instance.name}` }),
      },
      roleNames,
    ),
    managersPage(
      {
        level: 'org',
        path: '/orgs/:orgId/managers',
        api: '/orgs/{orgId}/members',
        async frame(c, params) {
          const frame = await orgFrame(c, params.orgId!);
          return { title: `Managers of ${frame.org.name}`, ...frame };
        },
      },
      roleNames,
    ),
    managersPage(
      {
        level: 'project',
        path: '/projects/:projectId/managers',
        api: '/projects/{projectId}/members',
        async frame(c, params) {
          const project = await c.call<{ name: string; orgId: string }>('GET /projects/{projectId}', params);
          c.brandOrgId = project.orgId;
          return { title: `Managers of ${project.name}`, backUrl: `/ui/console/projects/${params.projectId}` };
        },
      },
      roleNames,
    ),
    managersPage(
      {
        level: 'projectGrant',
        path: '/projects/:projectId/grants/:grantId/managers',
        api: '/projects/{projectId}/grants/{grantId}/members',
        async frame(c, params) {
          const grant = await c.call<{ projectName: string; grantedOrgId: string }>(
            'GET /projects/{projectId}/grants/{grantId}',
            params,
          );
          c.brandOrgId = grant.grantedOrgId;
          return {
            title: `Managers of ${grant.projectName} (granted)`,
            backUrl: `/ui/console/projects/${params.projectId}/grants/${params.grantId}`,
          };
        },
      },
      roleNames,
    ),
  ];
}
