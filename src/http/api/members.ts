import { z } from 'zod';
import { roleFitsLevel, type ManagerLevel, type RolePermissions } from '../../domain/rules/permissions.ts';
import {
  instanceContext,
  orgContext,
  projectContext,
  projectGrantMembersContext,
} from '../../domain/rules/resource-context.ts';
import type { ResourceContext } from '../../domain/rules/permissions.ts';
import type { MembershipDocument } from '../../store/models/membership.ts';
import {
  addMember,
  changeMember,
  listMembers,
  removeMember,
  type MembershipTarget,
} from '../../domain/commands/memberships.ts';
import { loadOrg, loadProject, loadProjectGrant } from './load.ts';
import { route, type ApiRoute, type ResourceKind, type RouteContext } from './route.ts';
import { id, page } from './schemas.ts';

interface MemberLevel {
  level: ManagerLevel;
  base: string;
  /** ZITADEL's permission family: iam.member, org.member, project.member, project.grant.member. */
  permission: string;
  resource: ResourceKind;
  /** The membership target and its permission context, from the path. */
  locate(ctx: RouteContext<unknown, unknown>): Promise<{ target: MembershipTarget; context: ResourceContext }>;
}

const LEVELS: MemberLevel[] = [
  {
    level: 'instance',
    base: '/instance/members',
    permission: 'iam.member',
    resource: 'instance',
    async locate({ tenant }) {
      const instanceId = tenant.instance._id;
      return {
        target: { level: 'instance', resourceId: instanceId, orgId: instanceId, projectId: null },
        context: instanceContext,
      };
    },
  },
  {
    level: 'org',
    base: '/orgs/{orgId}/members',
    permission: 'org.member',
    resource: 'org',
    async locate({ actor, params }) {
      const org = await loadOrg(actor, params);
      return {
        target: { level: 'org', resourceId: org._id, orgId: org._id, projectId: null },
        context: orgContext(org._id),
      };
    },
  },
  {
    level: 'project',
    base: '/projects/{projectId}/members',
    permission: 'project.member',
    resource: 'project',
    async locate({ actor, params }) {
      const project = await loadProject(actor, params);
      return {
        target: { level: 'project', resourceId: project._id, orgId: project.orgId, projectId: project._id },
        context: projectContext(project),
      };
    },
  },
  {
    level: 'projectGrant',
    base: '/projects/{projectId}/grants/{grantId}/members',
    permission: 'project.grant.member',
    resource: 'projectGrant',
    async locate({ actor, params }) {
      const grant = await loadProjectGrant(actor, params);
      return {
        target: { level: 'projectGrant', resourceId: grant._id, orgId: grant.grantedOrgId, projectId: grant.projectId },
        context: projectGrantMembersContext(grant),
      };
    },
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
  return LEVELS.flatMap((level) => {
    const roles = rolesSchema(mapping, level.level);
    const tag = 'Managers';
    return [
      route({
        method: 'get',
        path: level.base,
        tag,
        summary: `List the managers (${level.level})`,
        permission: `${level.permission}.read`,
        resource: level.resource,
        query: page,
        response: z.object({ members: z.array(memberView) }),
        async handler(ctx) {
          const { target, context } = await level.locate(ctx);
          ctx.authorize(context);
          return { members: (await listMembers(ctx.actor.instanceId, target, ctx.query)).map(toMemberView) };
        },
      }),
      route({
        method: 'post',
        path: level.base,
        tag,
        summary: `Make a user a manager (${level.level})`,
        status: 201,
        permission: `${level.permission}.write`,
        resource: level.resource,
        body: z.strictObject({ userId: id, roles }),
        response: memberView,
        async handler(ctx) {
          const { target, context } = await level.locate(ctx);
          ctx.authorize(context);
          return toMemberView(await addMember(ctx.actor, target, ctx.body.userId, ctx.body.roles));
        },
      }),
      route({
        method: 'put',
        path: `${level.base}/{userId}`,
        tag,
        summary: `Replace a manager's roles (${level.level})`,
        permission: `${level.permission}.write`,
        resource: level.resource,
        body: z.strictObject({ roles }),
        response: memberView,
        async handler(ctx) {
          const { target, context } = await level.locate(ctx);
          ctx.authorize(context);
          return toMemberView(await changeMember(ctx.actor, target, ctx.params.userId ?? '', ctx.body.roles));
        },
      }),
      route({
        method: 'delete',
        path: `${level.base}/{userId}`,
        tag,
        summary: `Remove a manager (${level.level})`,
        permission: `${level.permission}.delete`,
        resource: level.resource,
        response: null,
        async handler(ctx) {
          const { target, context } = await level.locate(ctx);
          ctx.authorize(context);
          await removeMember(ctx.actor, target, ctx.params.userId ?? '');
        },
      }),
    ];
  });
}
