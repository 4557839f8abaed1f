import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import helmet from 'helmet';
import { cspNonce } from '../../platform/csp-nonce.ts';

/** Stands for the response's nonce while the headers are computed once; never a real nonce (not base64). */
const NONCE_MARK = '\0nonce\0';

function helmetFor(publicUrl: string) {
  const https = new URL(publicUrl).protocol === 'https:';
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'", `'nonce-${NONCE_MARK}'`],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", `'nonce-${NONCE_MARK}'`],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}

/**
 * Sets helmet's headers on a response (nosniff, a Referrer-Policy, no framing), with a Content-Security-Policy for
 * the pages: no framing, scripts only from this origin or with this response's nonce (the provider adds the hash of
 * its form_post script), styles only from this origin or with this response's nonce. No form-action: a login form's
 * POST ends in a redirect to the relying party, which browsers check against form-action.
 *
 * The headers depend on the public URL alone, so helmet runs once, here, and each response gets the values it set
 * with its own nonce in the policy: helmet built the policy string and a dozen headers on every request (1.6% of a
 * worker's CPU under the token benches, bench/README.md "Refresh").
 */
export function securityHeaderSetter(publicUrl: string): (res: ServerResponse) => void {
  const headers: Array<[string, string | string[]]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | string[]) => headers.push([name, value]),
    removeHeader: (name: string) => removed.push(name),
  };
  let done = false;
  helmetFor(publicUrl)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    done = true;
  });
  // helmet 8 runs synchronously: anything else would leave headers out, which must fail loudly at start-up.
  if (!done) throw new Error('helmet did not finish synchronously');
  const fixed = headers.filter(([, value]) => !String(value).includes(NONCE_MARK));
  const withNonce = headers
    .filter(([, value]) => String(value).includes(NONCE_MARK))
    .map(([name, value]): [string, string[]] => [name, String(value).split(NONCE_MARK)]);
  return (res) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of fixed) res.setHeader(name, value);
    if (withNonce.length === 0) return;
    const nonce = cspNonce(res);
    for (const [name, parts] of withNonce) res.setHeader(name, parts.join(nonce));
  };
}

/** The security headers on every response of the koa app. */
export function securityHeaders(publicUrl: string): Middleware {
  const setHeaders = securityHeaderSetter(publicUrl);
  return async (ctx, next) => {
    setHeaders(ctx.res);
    await next();
  };
}
