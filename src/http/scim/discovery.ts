import { notFound } from '../../domain/errors.ts';
import { resourceTypes, schemas, serviceProviderConfig } from '../../domain/scim/discovery.ts';
import { LIST_RESPONSE } from '../../domain/scim/protocol.ts';
import type { ScimRequest, ScimResult, ScimRoute } from './run.ts';

const READ = () => ['user.read'];

function listOf(resources: Array<{ id: string }>): ScimResult {
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE],
      totalResults: resources.length,
      startIndex: 1,
      itemsPerPage: resources.length,
      Resources: resources,
    },
  };
}

function oneOf(resources: Array<{ id: string }>, request: ScimRequest): ScimResult {
  const found = resources.find((resource) => resource.id === request.params.id);
  if (!found) throw notFound();
  return { status: 200, body: found };
}

/** What the server supports (RFC 7644 §4): the same for every org, with the org's own URLs. */
export const scimDiscoveryRoutes: ScimRoute[] = [
  {
    method: 'get',
    path: '/ServiceProviderConfig',
    permissions: READ,
    handler: async (request) => ({ status: 200, body: serviceProviderConfig(request.baseUrl) }),
  },
  {
    method: 'get',
    path: '/ResourceTypes',
    permissions: READ,
    handler: async (request) => listOf(resourceTypes(request.baseUrl)),
  },
  {
    method: 'get',
    path: '/ResourceTypes/:id',
    permissions: READ,
    handler: async (request) => oneOf(resourceTypes(request.baseUrl), request),
  },
  { method: 'get', path: '/Schemas', permissions: READ, handler: async (request) => listOf(schemas(request.baseUrl)) },
  {
    method: 'get',
    path: '/Schemas/:id',
    permissions: READ,
    handler: async (request) => oneOf(schemas(request.baseUrl), request),
  },
];
