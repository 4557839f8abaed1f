import { findUser } from '../../domain/commands/users.ts';
import { deleteUser } from '../../domain/commands/user-lifecycle.ts';
import { notFound } from '../../domain/errors.ts';
import { pageOf, userQueryOf, userSortOf } from '../../domain/scim/filter.ts';
import { applyPatch, carriesGrants, patchTouchesGrants } from '../../domain/scim/patch.ts';
import { LIST_RESPONSE, SEARCH_REQUEST, scimInvalid } from '../../domain/scim/protocol.ts';
import { createScimUser, grantsOf, updateScimUser } from '../../domain/scim/provision.ts';
import { readScimUser, toScimUser, type UserFacts } from '../../domain/scim/users.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { pageOfUsers, userGrantsGivenBy } from '../../store/queries/scim-users.ts';
import { provisioningOf, requireVersion, type ScimRequest, type ScimResult, type ScimRoute } from './run.ts';

const READ = () => ['user.read'];
/** Writing a user; a body carrying the grants extension gives roles too. */
const writing = (touchesGrants: (body: unknown) => boolean) => (request: Pick<ScimRequest, 'body'>) =>
  touchesGrants(request.body) ? ['user.write', 'user.grant.write'] : ['user.write'];

/** A human user of the path's org: any other user (another org's, a machine) does not exist here. */
async function loadUser(request: ScimRequest): Promise<UserDocument> {
  const user = await findUser(request.actor.instanceId, request.params.id ?? '');
  if (!user || user.orgId !== request.org._id || user.type !== 'human' || !user.human) throw notFound();
  return user;
}

async function representationsOf(request: ScimRequest, users: UserDocument[]) {
  const grants = await userGrantsGivenBy(
    request.actor.instanceId,
    request.org._id,
    users.map((user) => user._id),
  );
  return users.map((user) =>
    toScimUser(
      user as unknown as UserFacts,
      grantsOf(grants.filter((grant) => grant.userId === user._id)),
      `${request.baseUrl}/Users/${user._id}`,
    ),
  );
}

async function representationOf(request: ScimRequest, user: UserDocument): Promise<ScimResult> {
  const [resource] = await representationsOf(request, [user]);
  const meta = resource?.meta as { version: string; location: string };
  return { status: 200, body: resource, version: meta.version, location: meta.location };
}

/** The parameters of a list request (a query, or a SearchRequest body); attribute projection is not supported. */
async function listUsers(request: ScimRequest, parameters: Record<string, unknown>): Promise<ScimResult> {
  for (const unsupported of ['attributes', 'excludedAttributes'])
    if (parameters[unsupported] !== undefined) throw scimInvalid('invalidValue', `${unsupported}: not supported`);
  const str = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
  const query = userQueryOf(str(parameters.filter));
  const sort = userSortOf(str(parameters.sortBy), str(parameters.sortOrder));
  const page = pageOf(parameters.startIndex, parameters.count);
  const { instanceId } = request.actor;
  const scope = { instanceId, orgId: request.org._id, type: 'human' };
  const { total, users } = await pageOfUsers({ $and: [scope, query] }, sort, page);
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE],
      totalResults: total,
      startIndex: page.skip + 1,
      itemsPerPage: users.length,
      Resources: await representationsOf(request, users),
    },
  };
}

export const scimUserRoutes: ScimRoute[] = [
  { method: 'get', path: '/Users', permissions: READ, handler: (request) => listUsers(request, request.query) },
  {
    method: 'post',
    path: '/Users/.search',
    permissions: READ,
    handler(request) {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const schemas = body.schemas;
      if (!Array.isArray(schemas) || !schemas.includes(SEARCH_REQUEST))
        throw scimInvalid('invalidSyntax', `a search request names the schema ${SEARCH_REQUEST}`);
      const { schemas: _schemas, ...parameters } = body;
      return listUsers(request, parameters);
    },
  },
  {
    method: 'post',
    path: '/Users',
    permissions: writing(carriesGrants),
    async handler(request) {
      const user = await createScimUser(provisioningOf(request), readScimUser(request.body));
      const created = await loadUser({ ...request, params: { id: user._id } });
      return { ...(await representationOf(request, created)), status: 201 };
    },
  },
  {
    method: 'get',
    path: '/Users/:id',
    permissions: READ,
    async handler(request) {
      const current = await representationOf(request, await loadUser(request));
      if (request.ifNoneMatch && request.ifNoneMatch.split(',').some((tag) => tag.trim() === current.version))
        return { status: 304, version: current.version };
      return current;
    },
  },
  {
    method: 'put',
    path: '/Users/:id',
    permissions: writing(carriesGrants),
    async handler(request) {
      const user = await loadUser(request);
      requireVersion(request, await representationOf(request, user));
      await updateScimUser(provisioningOf(request), user, readScimUser(request.body));
      return representationOf(request, await loadUser(request));
    },
  },
  {
    method: 'patch',
    path: '/Users/:id',
    permissions: writing(patchTouchesGrants),
    async handler(request) {
      const user = await loadUser(request);
      const current = await representationOf(request, user);
      requireVersion(request, current);
      const patched = applyPatch(current.body as Record<string, unknown>, request.body);
      await updateScimUser(provisioningOf(request), user, readScimUser(patched));
      return representationOf(request, await loadUser(request));
    },
  },
  {
    method: 'delete',
    path: '/Users/:id',
    // As the management API's user removal (ZITADEL's permission for deleting a user).
    permissions: () => ['user.delete'],
    async handler(request) {
      const user = await loadUser(request);
      requireVersion(request, await representationOf(request, user));
      await deleteUser(request.actor, user, provisioningOf(request).endSessions);
      return { status: 204 };
    },
  },
];
