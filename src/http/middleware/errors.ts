import type { Context, Next } from 'koa';
import { DomainError, type DomainErrorKind } from '../../domain/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { isDatabaseUnavailable } from '../../store/database/connection.ts';

/** An error whose message is safe to show to the caller. */
export class HttpError extends Error {
  readonly status: number;
  readonly detail: Record<string, unknown>;
  constructor(status: number, message: string, detail: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** What a client is told while the database is down (a crash being restarted, a failover): retry shortly. */
export const DATABASE_UNAVAILABLE = 'The database is unavailable; try again shortly.';

const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  'not-found': 404,
  conflict: 409,
  throttled: 429,
};

function statusOf(error: unknown): number {
  if (isDatabaseUnavailable(error)) return 503;
  if (error instanceof DomainError) return DOMAIN_STATUS[error.kind];
  const status = (error as { status?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/**
 * Last line of defence: nothing reaches the client as a stack trace. Errors become RFC 9457 problem
 * details; routes that render pages catch their own errors first. 5xx errors are logged in full and
 * shown without detail.
 */
export function errorHandler(log: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new HttpError(404, 'No such resource');
    } catch (error) {
      const status = statusOf(error);
      const known = error instanceof HttpError || error instanceof DomainError;
      const exposed = status < 500 && (known || (error as { expose?: boolean }).expose === true);
      const unavailable = status === 503 && isDatabaseUnavailable(error);
      if (unavailable) {
        log.warn({ method: ctx.method, path: ctx.path, reason: (error as Error).message }, 'database unavailable');
        ctx.set('retry-after', '1');
      } else if (status >= 500) log.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      ctx.status = status;
      if (error instanceof DomainError && error.kind === 'throttled')
        ctx.set('Retry-After', String(error.detail.retryAfterSeconds));
      ctx.type = 'application/problem+json';
      ctx.body = {
        type: 'about:blank',
        title: TITLES[status] ?? 'Error',
        status,
        detail: unavailable ? DATABASE_UNAVAILABLE : exposed ? (error as Error).message : (TITLES[status] ?? 'Error'),
        ...(known ? error.detail : {}),
      };
    }
  };
}
