import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { decodeJwt } from 'jose';
import { brandingFrom } from '../../domain/rules/branding.ts';
import { policyOf } from '../../domain/login.ts';
import { providerRoutePath, ROUTES } from '../../oidc/configuration.ts';
import { UNAVAILABLE_ERROR } from '../../oidc/database-unavailable.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { FormTooLargeError, readForm, soleValue } from '../../platform/form-body.ts';
import { renderView } from '../../platform/templates.ts';
import { isDatabaseUnavailable } from '../../store/database/connection.ts';
import { waitText, type Refusal, type ThrottleKey, type Throttles } from './rate-limit.ts';

/** The provider's endpoints where a client authenticates: a 401 there is a failed client authentication. */
export const CLIENT_AUTH_PATHS = new Set<string>([
  ROUTES.token,
  ROUTES.introspection,
  ROUTES.revocation,
  ROUTES.pushed_authorization_request,
  ROUTES.device_authorization,
]);

/**
 * Throttles for the instance's provider (node-oidc-provider, reached through http/app.ts's fall-through), in front of
 * it, without changing the library: failed client authentications per client id and per IP address, and wrong user
 * codes on the device verification page per IP address (RFC 8628 §5.1). A request that is not refused goes on
 * unchanged; what the provider answered (401, or 400 on the device page) is counted after it has been sent.
 */
export function providerThrottles(throttles: Throttles) {
  return async function throttleProvider(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST') return next();
    const route = providerRoutePath(ctx.path);
    const deviceCode = route === ROUTES.code_verification;
    if (!deviceCode && !CLIENT_AUTH_PATHS.has(route)) return next();
    try {
      await throttle(ctx, next, throttles, deviceCode);
    } catch (error) {
      // The counters live in the database: while it is down, answer as the provider then does (oidc/pages.ts,
      // oidc/database-unavailable.ts) rather than with the management API's problem details. Once the provider
      // has answered, a count that fails is only logged (http/middleware/errors.ts).
      if (!isDatabaseUnavailable(error) || ctx.res.headersSent) throw error;
      answerUnavailable(ctx, deviceCode);
    }
  };
}

/** Counts and refuses around the provider; the database is read before it answers and written after. */
async function throttle(ctx: Context, next: Next, throttles: Throttles, deviceCode: boolean): Promise<void> {
  const { tenant } = ctx.state as { tenant: Tenant };
  const instanceId = tenant.instance._id;
  let keys: ThrottleKey[];
  if (deviceCode) keys = [['deviceCodeFailuresPerIp', ctx.ip]];
  else {
    const clientId = await requestClientId(ctx);
    if (clientId === false) return;
    keys = [['clientAuthFailuresPerIp', ctx.ip]];
    if (clientId) keys.push(['clientAuthFailuresPerClient', clientId]);
  }
  // Device codes are always counted before they are checked; client authentications only once a key has failed.
  // Neither `suspected` nor `blocked` is asked while this process holds no such key (the usual case): each would
  // answer at once, but as a promise awaited on every client authentication.
  if (deviceCode || (throttles.anySuspected && (await throttles.suspected(instanceId, keys)))) {
    const attempt = await throttles.attempt(instanceId, keys);
    if (attempt.refusal)
      return deviceCode
        ? refuseDevicePage(ctx, throttles, attempt.refusal)
        : refuseOAuth(ctx, throttles, attempt.refusal);
    await next();
    const status = ctx.res.statusCode;
    await ((deviceCode ? status === 400 : status === 401) ? attempt.failed() : attempt.succeeded());
    return;
  }
  const refusal = throttles.anyBlocked ? await throttles.blocked(instanceId, keys) : null;
  if (refusal) return refuseOAuth(ctx, throttles, refusal);
  await next();
  if (ctx.res.statusCode === 401) await throttles.fail(instanceId, keys);
}

function answerUnavailable(ctx: Context, deviceCode: boolean): void {
  ctx.status = 503;
  ctx.set('retry-after', '1');
  ctx.set('cache-control', 'no-store');
  if (!deviceCode) {
    ctx.body = UNAVAILABLE_ERROR;
    return;
  }
  const { tenant } = ctx.state as { tenant: Tenant };
  ctx.type = 'html';
  ctx.body = renderView(ctx.res, 'error.njk', {
    branding: brandingFrom(policyOf(tenant.instance, null), tenant.instance.name),
    title: 'Temporarily unavailable',
    message: UNAVAILABLE_ERROR.error_description,
    backUrl: ROUTES.code_verification,
  });
}

/**
 * The client id a request authenticates as (HTTP Basic, `client_id`, or a client assertion's subject), read before the
 * provider reads the body: the body is handed on as `req.body`, which the provider parses as if it had read it
 * (lib/shared/selective_body.js). False when the request is answered here: a body over the provider's own limit.
 */
async function requestClientId(ctx: Context): Promise<string | null | false> {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(ctx.get('authorization'))?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    try {
      return decodeURIComponent(colon >= 0 ? decoded.slice(0, colon) : decoded).slice(0, 256) || null;
    } catch {
      return null;
    }
  }
  if (!ctx.is('application/x-www-form-urlencoded')) return null;
  let form;
  try {
    form = await readForm(ctx.req);
  } catch (error) {
    if (!(error instanceof FormTooLargeError)) throw error;
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: 'failed to parse the request body' };
    return false;
  }
  (ctx.req as IncomingMessage & { body?: string }).body = form.toString();
  const clientId = soleValue(form, 'client_id');
  if (clientId) return clientId.slice(0, 256);
  const assertion = soleValue(form, 'client_assertion');
  try {
    const subject = assertion ? decodeJwt(assertion).sub : undefined;
    return subject ? subject.slice(0, 256) : null;
  } catch {
    return null;
  }
}

function refuseOAuth(ctx: Context, throttles: Throttles, refusal: Refusal): void {
  throttles.refuse(ctx, refusal);
  ctx.set('cache-control', 'no-store');
  ctx.body = {
    error: 'temporarily_unavailable',
    error_description: `too many failed client authentications; retry after ${refusal.seconds} seconds`,
  };
}

function refuseDevicePage(ctx: Context, throttles: Throttles, refusal: Refusal): void {
  const { tenant } = ctx.state as { tenant: Tenant };
  throttles.refuse(ctx, refusal);
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.body = renderView(ctx.res, 'error.njk', {
    branding: brandingFrom(policyOf(tenant.instance, null), tenant.instance.name),
    title: 'Too many attempts',
    message: `Too many codes were entered that are not valid. Please wait ${waitText(refusal.seconds)} and try again.`,
    backUrl: ROUTES.code_verification,
  });
}
