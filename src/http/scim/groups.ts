import { notFound } from '../../domain/errors.ts';
import { pageOf, resourceFilterOf } from '../../domain/scim/filter.ts';
import { changeGroupMembers } from '../../domain/scim/group-members.ts';
import { memberIdsOf, membershipChange, parseGroupId, toScimGroup } from '../../domain/scim/groups.ts';
import { applyPatch } from '../../domain/scim/patch.ts';
import { LIST_RESPONSE, scimInvalid } from '../../domain/scim/protocol.ts';
import { versionOf } from '../../domain/scim/users.ts';
import {
  assignableRolesOf,
  humanNamesOf,
  ownUserGrantsOn,
  type AssignableRole,
} from '../../store/queries/scim-groups.ts';
import { HttpError } from '../middleware/errors.ts';
import { provisioningOf, requireVersion, type ScimRequest, type ScimResult, type ScimRoute } from './run.ts';

const READ = () => ['user.grant.read'];
const WRITE = () => ['user.grant.write'];

/** The groups' representations, with their members unless the client excluded them. */
async function representationsOf(request: ScimRequest, roles: AssignableRole[], withMembers: boolean) {
  const { instanceId } = request.actor;
  const orgId = request.org._id;
  const grants = withMembers
    ? await ownUserGrantsOn(instanceId, orgId, [...new Set(roles.map((role) => role.projectId))])
    : [];
  const names = await humanNamesOf(instanceId, orgId, [...new Set(grants.map((grant) => grant.userId))]);
  return roles.map((role) => {
    const members = grants
      .filter((grant) => grant.projectId === role.projectId && grant.roleKeys.includes(role.roleKey))
      .filter((grant) => names.has(grant.userId))
      .map((grant) => ({ userId: grant.userId, display: names.get(grant.userId) ?? '' }));
    return toScimGroup(role, withMembers ? members : null, request.baseUrl, versionOf);
  });
}

async function loadRole(request: ScimRequest): Promise<AssignableRole> {
  const wanted = parseGroupId(request.params.id ?? '');
  const roles = wanted ? await assignableRolesOf(request.actor.instanceId, request.org._id) : [];
  const role = roles.find((found) => found.projectId === wanted?.projectId && found.roleKey === wanted.roleKey);
  if (!role) throw notFound();
  return role;
}

async function representationOf(request: ScimRequest, role: AssignableRole): Promise<ScimResult> {
  const [resource] = await representationsOf(request, [role], true);
  return { status: 200, body: resource, version: (resource?.meta as { version: string }).version };
}

/** Only `members` may be excluded (what directories ask for, the members being the large part). */
function withMembers(excluded: string | undefined): boolean {
  if (excluded === undefined) return true;
  if (excluded.toLowerCase() !== 'members') throw scimInvalid('invalidValue', 'excludedAttributes: only members');
  return false;
}

async function replaceMembers(request: ScimRequest, desiredOf: (current: Record<string, unknown>) => unknown) {
  const role = await loadRole(request);
  const current = await representationOf(request, role);
  requireVersion(request, current);
  const currentBody = current.body as Record<string, unknown>;
  const change = membershipChange(memberIdsOf(currentBody), memberIdsOf(desiredOf(currentBody)));
  await changeGroupMembers(provisioningOf(request), role, change);
  return representationOf(request, role);
}

const notInScim = (what: string) => async (): Promise<ScimResult> => {
  throw new HttpError(501, `${what}: a group is a project role, managed through the management API`);
};

export const scimGroupRoutes: ScimRoute[] = [
  {
    method: 'get',
    path: '/Groups',
    permissions: READ,
    async handler(request) {
      if (request.query.attributes !== undefined) throw scimInvalid('invalidValue', 'attributes: not supported');
      const roles = await assignableRolesOf(request.actor.instanceId, request.org._id);
      const matches = resourceFilterOf(request.query.filter);
      const all = await representationsOf(request, roles, withMembers(request.query.excludedAttributes));
      const found = all.filter(matches);
      const page = pageOf(request.query.startIndex, request.query.count);
      const resources = found.slice(page.skip, page.skip + page.limit);
      const body = { schemas: [LIST_RESPONSE], totalResults: found.length, startIndex: page.skip + 1 };
      return { status: 200, body: { ...body, itemsPerPage: resources.length, Resources: resources } };
    },
  },
  {
    method: 'get',
    path: '/Groups/:id',
    permissions: READ,
    handler: async (request) => representationOf(request, await loadRole(request)),
  },
  {
    method: 'patch',
    path: '/Groups/:id',
    permissions: WRITE,
    handler: (request) => replaceMembers(request, (current) => applyPatch(current, request.body)),
  },
  {
    method: 'put',
    path: '/Groups/:id',
    permissions: WRITE,
    handler: (request) => replaceMembers(request, () => request.body),
  },
  { method: 'post', path: '/Groups', permissions: WRITE, handler: notInScim('creating a group') },
  { method: 'delete', path: '/Groups/:id', permissions: WRITE, handler: notInScim('deleting a group') },
];
