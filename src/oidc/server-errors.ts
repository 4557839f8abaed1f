import type { KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { ActionFailedError } from '../domain/actions/triggers.ts';
import type { Logger } from '../platform/logger.ts';
import { isDatabaseUnavailable } from '../store/database/connection.ts';
import { answerWhenUnavailable } from './database-unavailable.ts';

export const ACTION_FAILED_DESCRIPTION =
  'An action of the user’s organization failed, so the claims could not be built; try again later.';

/**
 * A complement-token action that failed and may not fail (domain/actions/triggers.ts) fails the request that builds
 * the claims, as ZITADEL fails the flow of an action without `allowedToFail`
 * (https://zitadel.com/docs/concepts/features/actions). The provider answers it as any server error, `server_error`
 * with status 500 (an OAuth error response, JSON or the error page), but with a description that says what failed
 * instead of the library's "oops! something went wrong": the error is not the client's, and retrying may help (a
 * timeout on a busy machine). The action's own error stays in the log (the cause), never in the answer.
 */
export class ActionFailedResponse extends errors.OIDCProviderError {
  constructor(cause: ActionFailedError) {
    super(500, 'server_error', { cause });
    this.error_description = ACTION_FAILED_DESCRIPTION;
    // Shown to the client: the library exposes only errors under 500 (lib/helpers/err_out.js).
    this.expose = true;
  }
}

/** `error` as the provider answers it: an action failure becomes ActionFailedResponse, anything else is unchanged. */
export function asProviderError(error: unknown): unknown {
  return error instanceof ActionFailedError ? new ActionFailedResponse(error) : error;
}

/**
 * Every request of the provider that ends in a server error is logged with its cause. The library answers them
 * (lib/shared/error_handler.js) and emits `server_error`, logging nothing but a `debug` line; an error that escapes
 * Castellan's steps in front of the router reaches koa's app-level `error` event, whose default handler writes plain
 * text to stderr. pino writes an error with its `cause` (an action's own error). A database outage is a warning, as
 * on the app's own routes (http/middleware/errors.ts), and its answer becomes 503 (oidc/database-unavailable.ts).
 */
export function logServerErrors(provider: Provider, instanceId: string, log: Logger): void {
  const failed = (error: unknown, ctx: KoaContextWithOIDC) => {
    const request = { instanceId, method: ctx.method, path: ctx.path };
    if (isDatabaseUnavailable(error))
      log.warn({ ...request, reason: (error as Error).message }, 'database unavailable');
    else log.error({ ...request, err: error }, 'request failed');
  };
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: unknown) => {
    answerWhenUnavailable(ctx, error);
    failed(error, ctx);
  });
  // The provider is a koa application (lib/provider.js); @types/oidc-provider declares only the library's events.
  const koaApp = provider as unknown as NodeJS.EventEmitter;
  koaApp.on('error', (error: Error & { expose?: boolean }, ctx: KoaContextWithOIDC) => {
    if (!error.expose) failed(error, ctx);
  });
}
