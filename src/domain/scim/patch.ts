import { NoTarget, patchBodyValidation, scimPatch, type ScimPatch, type ScimResource } from 'scim-patch';
import { GRANTS_SCHEMA, scimInvalid } from './protocol.ts';

/** Attributes the server assigns: a patch may not touch them (RFC 7644 §3.5.2, scimType mutability). */
const IMMUTABLE = /^(id|meta|schemas)([.[]|$)/i;

interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

function operationsOf(body: unknown): PatchOperation[] {
  const operations = (body as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(operations)) throw scimInvalid('invalidSyntax', 'a PatchOp carries an Operations array');
  // Operation names are case-insensitive in practice (Azure AD sends "Replace"); RFC 7644 §3.5.2 spells them lower.
  return operations.map((operation: PatchOperation) =>
    typeof operation?.op === 'string' ? { ...operation, op: operation.op.toLowerCase() } : operation,
  );
}

/** Whether a User body (or a patch value) carries the grants extension; attribute names are case-insensitive. */
export function carriesGrants(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(value).some((key) => key.toLowerCase() === GRANTS_SCHEMA.toLowerCase());
}

/** Whether the patch may change the grants extension (decided before it runs, for the permission it needs). */
export function patchTouchesGrants(body: unknown): boolean {
  const operations = (body as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(operations)) return false;
  return operations.some((operation: PatchOperation) => {
    const path = typeof operation?.path === 'string' ? operation.path.toLowerCase() : '';
    return path.startsWith(GRANTS_SCHEMA.toLowerCase()) || carriesGrants(operation?.value);
  });
}

/**
 * A SCIM resource with a PatchOp applied (RFC 7644 §3.5.2), through the scim-patch library; the result is read and
 * validated again as a whole resource by the caller. The input is not changed.
 */
export function applyPatch<T extends object>(resource: T, body: unknown): T {
  const operations = operationsOf(body);
  for (const operation of operations)
    if (typeof operation.path === 'string' && IMMUTABLE.test(operation.path))
      throw scimInvalid('mutability', `${operation.path} is assigned by the server`);
  try {
    patchBodyValidation({ ...(body as ScimPatch), Operations: operations } as ScimPatch);
    return scimPatch(resource as unknown as ScimResource, operations as ScimPatch['Operations'], {
      mutateDocument: false,
      treatMissingAsAdd: true,
    }) as unknown as T;
  } catch (error) {
    if (error instanceof NoTarget) throw scimInvalid('noTarget', error.message);
    if (error instanceof Error && 'scimCode' in error) throw scimInvalid('invalidPath', error.message);
    throw error;
  }
}
