import { DomainError } from '../../domain/errors.ts';
import { ERROR_SCHEMA } from '../../domain/scim/protocol.ts';
import { isDatabaseUnavailable } from '../../store/database/connection.ts';
import { DATABASE_UNAVAILABLE, HttpError } from '../middleware/errors.ts';

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  /** A string, as RFC 7644 §3.12 has it. */
  status: string;
  scimType?: string;
  detail: string;
}

const DOMAIN_STATUS = { invalid: 400, 'not-found': 404, conflict: 409, throttled: 429 } as const;

/**
 * Any error as SCIM's error response (RFC 7644 §3.12). A refused value is `invalidValue` unless the domain named the
 * type; a conflict is `uniqueness` (on SCIM's writes the only conflicts a request can cause are a taken userName or
 * externalId); a server error tells no detail.
 */
export function scimErrorOf(error: unknown): { status: number; body: ScimErrorBody } {
  if (isDatabaseUnavailable(error)) return { status: 503, body: errorBody(503, DATABASE_UNAVAILABLE) };
  if (error instanceof DomainError) {
    const status = DOMAIN_STATUS[error.kind];
    const scimType =
      (error.detail.scimType as string | undefined) ??
      (status === 400 ? 'invalidValue' : status === 409 ? 'uniqueness' : undefined);
    return { status, body: errorBody(status, error.message, scimType) };
  }
  if (error instanceof HttpError) return { status: error.status, body: errorBody(error.status, error.message) };
  // The body parser's refusals (co-body marks unreadable JSON 400 without `expose`): 400 is SCIM's invalidSyntax.
  const status = (error as { status?: unknown }).status;
  if (status === 400) return { status, body: errorBody(status, 'the body is not valid JSON', 'invalidSyntax') };
  if (typeof status === 'number' && status > 400 && status < 500 && (error as { expose?: boolean }).expose)
    return { status, body: errorBody(status, (error as Error).message) };
  return { status: 500, body: errorBody(500, 'Internal Server Error') };
}

export function errorBody(status: number, detail: string, scimType?: string): ScimErrorBody {
  return { schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}
