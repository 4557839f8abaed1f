import { z } from 'zod';
import { roleFitsLevel, type ManagerLevel, type RolePermissions } from '../../domain/rules/permissions.ts';
import type { MembershipDocument } from '../../store/models/membership.ts';
import {
  addMember,
  changeMember,
  listMembers,
  removeMember,
  type MembershipTarget,
} from '../../domain/commands/memberships.ts';
import { INSTANCE, ORG, PROJECT, PROJECT_GRANT_MEMBERS } from './locators.ts';
import { route, type ApiRoute, type Locator } from './route.ts';
import { id, page } from './schemas.ts';

/** The managers of what `locator` finds: the same decision, with the membership target as the handler's target. */
function managersOf<T>(
  locator: Locator<T>,
  membershipTarget: (found: T) => MembershipTarget,
): Locator<MembershipTarget> {
  return {
    ...locator,
    async locate(request, permission) {
      const location = await locator.locate(request, permission);
      return { ...location, target: async (access) => membershipTarget(await location.target(access)) };
    },
  };
}

interface MemberLevel {
  level: ManagerLevel;
  base: string;
  /** ZITADEL's permission family: iam.member, org.member, project.member, project.grant.member. */
  permission: string;
  on: Locator<MembershipTarget>;
}

const LEVELS: MemberLevel[] = [
  {
    level: 'instance',
    base: '/instance/members',
    permission: 'iam.member',
    on: managersOf(INSTANCE, (instance) => ({
      level: 'instance',
      resourceId: instance._id,
      orgId: instance._id,
      projectId: null,
    })),
  },
  {
    level: 'org',
    base: '/orgs/{orgId}/members',
    permission: 'org.member',
    on: managersOf(ORG, (org) => ({ level: 'org', resourceId: org._id, orgId: org._id, projectId: null })),
  },
  {
    level: 'project',
    base: '/projects/{projectId}/members',
    permission: 'project.member',
    on: managersOf(PROJECT, (project) => ({
      level: 'project',
      resourceId: project._id,
      orgId: project.orgId,
      projectId: project._id,
    })),
  },
  {
    level: 'projectGrant',
    base: '/projects/{projectId}/grants/{grantId}/members',
    permission: 'project.grant.member',
    on: managersOf(PROJECT_GRANT_MEMBERS, (grant) => ({
      level: 'projectGrant',
      resourceId: grant._id,
      orgId: grant.grantedOrgId,
      projectId: grant.projectId,
    })),
  },
];

const memberView = z.object({ userId: z.string(), roles: z.array(z.string()) });
const toMemberView = (membership: MembershipDocument) => ({ userId: membership.userId, roles: membership.roles });

/** Roles known to the mapping and valid at the level (IAM_* for the instance, ORG_* for orgs, …). */
function rolesSchema(mapping: RolePermissions, level: ManagerLevel) {
  return z
    .array(z.string().max(100))
    .min(1)
    .max(20)
    .refine((roles) => roles.every((role) => role in mapping && roleFitsLevel(role, level)), {
      message: `each role must be a ${level} manager role of config/role-permissions.json`,
    });
}

/** The same four routes (list, add, change, remove) for each level a manager can hold roles on. */
export function memberRoutes(mapping: RolePermissions): ApiRoute[] {
  return LEVELS.flatMap(({ level, base, permission, on }) => {
    const roles = rolesSchema(mapping, level);
    const tag = 'Managers';
    return [
      route({
        method: 'get',
        path: base,
        tag,
        summary: `List the managers (${level})`,
        permission: `${permission}.read`,
        on,
        query: page,
        response: z.object({ members: z.array(memberView) }),
        handler: async ({ target, actor, query }) => ({
          members: (await listMembers(actor.instanceId, target, query)).map(toMemberView),
        }),
      }),
      route({
        method: 'post',
        path: base,
        tag,
        summary: `Make a user a manager (${level})`,
        status: 201,
        permission: `${permission}.write`,
        on,
        body: z.strictObject({ userId: id, roles }),
        response: memberView,
        handler: async ({ target, actor, body }) =>
          toMemberView(await addMember(actor, target, body.userId, body.roles)),
      }),
      route({
        method: 'put',
        path: `${base}/{userId}`,
        tag,
        summary: `Replace a manager's roles (${level})`,
        permission: `${permission}.write`,
        on,
        body: z.strictObject({ roles }),
        response: memberView,
        handler: async ({ target, actor, params, body }) =>
          toMemberView(await changeMember(actor, target, params.userId ?? '', body.roles)),
      }),
      route({
        method: 'delete',
        path: `${base}/{userId}`,
        tag,
        summary: `Remove a manager (${level})`,
        permission: `${permission}.delete`,
        on,
        response: null,
        handler: ({ target, actor, params }) => removeMember(actor, target, params.userId ?? ''),
      }),
    ];
  });
}
