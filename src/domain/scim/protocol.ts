import { DomainError } from '../errors.ts';

// SCIM 2.0 names (RFC 7643 §8.7.1 for schema URNs, RFC 7644 §3.12 for error types).
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** ZITADEL's extension (seed 003): the project roles the org gave the user, `{projectId, roles}` per project. */
export const GRANTS_SCHEMA = 'urn:ietf:params:scim:schemas:extension:zitadel:2.0:User';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The limits ServiceProviderConfig advertises and the server enforces. */
export const SCIM_LIMITS = {
  /** Users or Groups in one list response (ZITADEL's maximum and default). */
  maxResults: 100,
  maxBulkOperations: 50,
  maxBulkPayloadBytes: 1_000_000,
  /** ZITADEL refuses longer filters. */
  maxFilterLength: 1000,
} as const;

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers';

/** A request SCIM refuses with a 400 of the given type (RFC 7644 §3.12, Table 9). */
export function scimInvalid(scimType: ScimType, message: string): DomainError {
  return new DomainError('invalid', message, { scimType });
}
