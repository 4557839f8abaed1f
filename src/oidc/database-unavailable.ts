import type { KoaContextWithOIDC } from 'oidc-provider';
import { isDatabaseUnavailable } from '../store/database/connection.ts';

export const UNAVAILABLE_DESCRIPTION = 'The service is temporarily unavailable; try again shortly.';
export const UNAVAILABLE_ERROR = { error: 'temporarily_unavailable', error_description: UNAVAILABLE_DESCRIPTION };

/**
 * The provider answers every unexpected error with 500 `server_error`. One that says the database is down (a crash
 * being restarted, a failover) becomes 503 `temporarily_unavailable` (the code RFC 6749 has for it) with a
 * Retry-After, so a client retries instead of giving up. The provider emits `server_error` right after it set its
 * answer; an HTML page was rendered by pages.ts's renderError, which says the same in words.
 */
export function answerWhenUnavailable(ctx: KoaContextWithOIDC, error: unknown): void {
  if (!isDatabaseUnavailable(error)) return;
  ctx.status = 503;
  ctx.set('retry-after', '1');
  if (typeof ctx.body === 'object' && ctx.body !== null && !Buffer.isBuffer(ctx.body)) ctx.body = UNAVAILABLE_ERROR;
}
