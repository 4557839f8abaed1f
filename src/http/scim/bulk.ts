import { BULK_REQUEST, BULK_RESPONSE, SCIM_LIMITS, scimInvalid } from '../../domain/scim/protocol.ts';
import { HttpError } from '../middleware/errors.ts';
import { scimErrorOf } from './errors.ts';
import { matchPath, runScim, type ScimRequest, type ScimRoute } from './run.ts';

interface BulkOperation {
  method?: unknown;
  bulkId?: unknown;
  version?: unknown;
  path?: unknown;
  data?: unknown;
}

/** RFC 7644 §3.7: a bulk operation writes; searches and Bulk itself are not operations. */
const BULK_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];
const NOT_IN_BULK = /\/(Bulk|\.search)$/;
const BULK_ID_REFERENCE = /^bulkId:(.+)$/;

/** Replaces every `bulkId:x` string (RFC 7644 §3.7.2) with the id the operation `x` created. */
function resolveReferences(value: unknown, created: Map<string, string>): unknown {
  if (typeof value === 'string') {
    const reference = BULK_ID_REFERENCE.exec(value)?.[1];
    if (reference === undefined) return value;
    const id = created.get(reference);
    if (!id) throw scimInvalid('invalidValue', `bulkId ${reference} names no earlier successful POST of this request`);
    return id;
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, created));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveReferences(item, created)]));
  return value;
}

function resolvePath(path: string, created: Map<string, string>): string {
  return path
    .split('/')
    .map((segment) => resolveReferences(segment, created) as string)
    .join('/');
}

function readBulkRequest(body: unknown): { operations: BulkOperation[]; failOnErrors: number } {
  const request = (body ?? {}) as { schemas?: unknown; Operations?: unknown; failOnErrors?: unknown };
  if (!Array.isArray(request.schemas) || !request.schemas.includes(BULK_REQUEST))
    throw scimInvalid('invalidSyntax', `a bulk request names the schema ${BULK_REQUEST}`);
  if (!Array.isArray(request.Operations)) throw scimInvalid('invalidSyntax', 'a bulk request carries Operations');
  if (request.Operations.length > SCIM_LIMITS.maxBulkOperations)
    throw new HttpError(413, `a bulk request has at most ${SCIM_LIMITS.maxBulkOperations} operations`);
  const failOnErrors = request.failOnErrors ?? Infinity;
  if (failOnErrors !== Infinity && !(Number.isInteger(failOnErrors) && (failOnErrors as number) >= 1))
    throw scimInvalid('invalidValue', 'failOnErrors: a positive integer');
  return { operations: request.Operations as BulkOperation[], failOnErrors: failOnErrors as number };
}

/**
 * Bulk (RFC 7644 §3.7): the operations run in order, each exactly as its own request would (authorization decided
 * before its handler, through the same route); processing stops once failOnErrors operations failed. A bulkId
 * reference resolves to an earlier POST of the same request (forward references are refused).
 */
export function bulkRoute(routes: ScimRoute[]): ScimRoute {
  return {
    method: 'post',
    path: '/Bulk',
    // Each operation is authorized on its own; the request itself needs only to see the org's users.
    permissions: () => ['user.read'],
    async handler(request) {
      const { operations, failOnErrors } = readBulkRequest(request.body);
      const created = new Map<string, string>();
      const results: Array<Record<string, unknown>> = [];
      let errors = 0;
      for (const operation of operations) {
        const method = typeof operation.method === 'string' ? operation.method.toUpperCase() : '';
        const bulkId = typeof operation.bulkId === 'string' ? operation.bulkId : undefined;
        const result: Record<string, unknown> = { method, ...(bulkId ? { bulkId } : {}) };
        try {
          const outcome = await runOperation(routes, request, operation, method, bulkId, created);
          if (outcome.location) result.location = outcome.location;
          if (outcome.version) result.version = outcome.version;
          result.status = String(outcome.status);
        } catch (error) {
          const { status, body } = scimErrorOf(error);
          Object.assign(result, { status: String(status), response: body });
          errors += 1;
        }
        results.push(result);
        if (errors >= failOnErrors) break;
      }
      return { status: 200, body: { schemas: [BULK_RESPONSE], Operations: results } };
    },
  };
}

async function runOperation(
  routes: ScimRoute[],
  request: ScimRequest,
  operation: BulkOperation,
  method: string,
  bulkId: string | undefined,
  created: Map<string, string>,
) {
  if (!BULK_METHODS.includes(method))
    throw scimInvalid('invalidSyntax', 'an operation is a POST, PUT, PATCH or DELETE');
  if (typeof operation.path !== 'string') throw scimInvalid('invalidSyntax', 'each operation has a path');
  if (method === 'POST' && !bulkId) throw scimInvalid('invalidSyntax', 'a POST operation has a bulkId');
  if (bulkId && created.has(bulkId)) throw scimInvalid('uniqueness', `bulkId ${bulkId} is used twice`);
  const path = resolvePath(operation.path, created);
  for (const route of routes) {
    const params =
      route.method.toUpperCase() === method && !NOT_IN_BULK.test(route.path) ? matchPath(route.path, path) : null;
    if (!params) continue;
    const outcome = await runScim(route, {
      ...request,
      params,
      query: {},
      body: resolveReferences(operation.data, created),
      ifMatch: typeof operation.version === 'string' ? operation.version : undefined,
      ifNoneMatch: undefined,
    });
    const id = outcome.location?.split('/').pop();
    if (method === 'POST' && bulkId && id) created.set(bulkId, id);
    return outcome;
  }
  throw new HttpError(404, `no ${method} operation on ${path}`);
}
