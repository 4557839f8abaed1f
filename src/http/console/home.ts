import { membershipsOfUser } from '../../domain/commands/memberships.ts';
import { displayNameOf, findUser, loginNameOf } from '../../domain/commands/users.ts';
import { LEVEL_NAMES, MANAGER_ROLE_DESCRIPTIONS } from '../../domain/rules/manager-roles.ts';
import type { ManagerLevel } from '../../domain/rules/permissions.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { renderConsole, type Console, type ConsolePage, type RouteKey } from './kit.ts';

/** A resource's name where the manager may read it (the same route the page would use), else its id. */
export async function nameOf(c: Console, key: RouteKey, params: Record<string, string>, fallback: string) {
  if (!(await c.allows(key, params))) return fallback;
  const found = await c.call<{ name?: string; projectName?: string; displayName?: string }>(key, params);
  return found.name ?? found.projectName ?? found.displayName ?? fallback;
}

/** Where a manager role held on a resource is managed in the console. */
function placeOf(membership: { level: string; resourceId: string; projectId?: string | null }): {
  href: string;
  key: RouteKey;
  params: Record<string, string>;
} {
  switch (membership.level as ManagerLevel) {
    case 'instance':
      return { href: '/orgs', key: 'GET /instance/members', params: {} };
    case 'org':
      return {
        href: `/orgs/${membership.resourceId}`,
        key: 'GET /orgs/{orgId}',
        params: { orgId: membership.resourceId },
      };
    case 'project':
      return {
        href: `/projects/${membership.resourceId}`,
        key: 'GET /projects/{projectId}',
        params: { projectId: membership.resourceId },
      };
    case 'projectGrant':
      return {
        href: `/projects/${membership.projectId}/grants/${membership.resourceId}`,
        key: 'GET /projects/{projectId}/grants/{grantId}',
        params: { projectId: membership.projectId ?? '', grantId: membership.resourceId },
      };
  }
}

/**
 * The console's home: the manager's roles, each with where it applies and what it allows (ZITADEL's "my
 * memberships"). A user without any manager role sees their own account only.
 */
export const homePage: ConsolePage = {
  path: '/',
  async render(c) {
    const instanceId = c.tenant.instance._id;
    const [user, org, memberships] = await Promise.all([
      findUser(instanceId, c.caller.userId),
      findOrg(instanceId, c.caller.orgId),
      membershipsOfUser(instanceId, c.caller.userId),
    ]);
    const roles = await Promise.all(
      memberships.map(async (membership) => {
        const place = placeOf(membership);
        const name =
          membership.level === 'instance'
            ? c.tenant.instance.name
            : await nameOf(c, place.key, place.params, membership.resourceId);
        return {
          level: LEVEL_NAMES[membership.level as ManagerLevel],
          name,
          href: place.href,
          roles: membership.roles.map((role) => ({ role, description: MANAGER_ROLE_DESCRIPTIONS[role] ?? '' })),
        };
      }),
    );
    await renderConsole(c, 'home.njk', {
      title: 'Console',
      account: {
        displayName: user ? displayNameOf(user) : '',
        loginName: user && org ? loginNameOf(user, org) : '',
        orgName: org?.name ?? '',
      },
      roles,
    });
  },
};
