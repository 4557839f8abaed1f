import { z } from 'zod';
import type { ApiRoute } from './route.ts';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** RFC 9457 problem details, as every error of the management and System APIs is answered. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
        required: ['field', 'message'],
      },
    },
  },
};

const ERRORS: Record<number, string> = {
  400: 'Invalid input (names the field)',
  401: 'Missing or invalid bearer token',
  403: 'The resource is visible, but the caller lacks the permission',
  404: 'No such resource, or one the caller may not see',
  409:
    'Conflicts with an existing resource or a concurrent change, would leave the instance without an owner, or ' +
    'needs a setting the instance lacks (it is named: SMTP for the flows that send email)',
  413: 'The request body is larger than the configured limit',
  415: 'The request body is not application/json',
  429: 'Too many requests: retry after the time in Retry-After',
  503: 'The database is unavailable: retry later',
};

/** The error statuses a route can answer: every route authenticates, authorizes and may be throttled or find the
 * database down; only a route with a body parses one; only a write can conflict. */
export function errorStatuses(apiRoute: Pick<ApiRoute, 'method' | 'body'>): number[] {
  return [
    400,
    401,
    403,
    404,
    ...(apiRoute.method === 'get' ? [] : [409]),
    ...(apiRoute.body ? [413, 415] : []),
    429,
    503,
  ];
}

/** `get` `/orgs/{orgId}/users` → `getOrgsOrgIdUsers`. */
function operationId(method: string, path: string): string {
  const camel = path
    .replace(/[{}]/g, '')
    .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
  return `${method}${camel}`;
}

/** What an OpenAPI operation is generated from: the route specs of the management API and of the System API. */
export type OpenApiRoute = Pick<ApiRoute, 'method' | 'path' | 'summary' | 'tag' | 'permission' | 'body' | 'query'> &
  Pick<ApiRoute, 'response' | 'status'> & { resource?: string };

/** The `paths` of an OpenAPI 3.1 document; `errorsOf` names a route's error statuses, `descriptions` each status. */
export function openApiPaths(
  routes: readonly OpenApiRoute[],
  errorsOf: (apiRoute: OpenApiRoute) => number[],
  descriptions: Record<number, string>,
): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const apiRoute of routes) {
    const pathParams = [...apiRoute.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const querySchema = apiRoute.query ? jsonSchema(apiRoute.query, 'input') : null;
    const required = new Set((querySchema?.required as string[] | undefined) ?? []);
    const queryParams = Object.entries((querySchema?.properties as Record<string, JsonSchema> | undefined) ?? {}).map(
      ([name, schema]) => ({ name, in: 'query', required: required.has(name), schema }),
    );
    const success = apiRoute.response
      ? { description: 'Success', content: { 'application/json': { schema: jsonSchema(apiRoute.response, 'output') } } }
      : { description: 'Done, no content' };
    paths[apiRoute.path] ??= {};
    paths[apiRoute.path]![apiRoute.method] = {
      operationId: operationId(apiRoute.method, apiRoute.path),
      summary: apiRoute.summary,
      tags: [apiRoute.tag],
      'x-permission': apiRoute.permission,
      ...(apiRoute.resource ? { 'x-resource': apiRoute.resource } : {}),
      parameters: [...pathParams, ...queryParams],
      ...(apiRoute.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(apiRoute.body, 'input') } },
            },
          }
        : {}),
      responses: {
        [String(apiRoute.status)]: success,
        ...Object.fromEntries(
          errorsOf(apiRoute).map((status) => [
            String(status),
            {
              description: descriptions[status],
              content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
          ]),
        ),
      },
    };
  }
  return paths;
}

/** The management API's OpenAPI 3.1 document, generated from the route table and zod schemas that serve requests. */
export function openApiDocument(routes: readonly ApiRoute[], serverUrl: string): Record<string, unknown> {
  const paths = openApiPaths(routes, errorStatuses, ERRORS);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Castellan management API',
      version: '1.0.0',
      description:
        'Organizations, users, projects, project grants, user grants and managers, with delegated administration.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An access token of this instance whose audience includes the management API ' +
            '(scope urn:zitadel:iam:org:project:id:zitadel:aud), or a personal access token',
        },
      },
      schemas: { Problem: problemSchema },
    },
    paths,
  };
}
