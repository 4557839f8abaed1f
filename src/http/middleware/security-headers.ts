import type { ServerResponse } from 'node:http';
import helmet from 'koa-helmet';
import { cspNonce } from '../../platform/csp-nonce.ts';

/**
 * Helmet's headers on every response (nosniff, a Referrer-Policy, no framing), with a Content-Security-Policy
 * for the pages: no framing, scripts only from this origin or with this response's nonce (the provider adds the
 * hash of its form_post script), styles only from this origin or with this response's nonce. No form-action: a
 * login form's POST ends in a redirect to the relying party, which browsers check against form-action.
 */
export function securityHeaders(publicUrl: string) {
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
        scriptSrc: ["'self'", (_req, res) => `'nonce-${cspNonce(res as ServerResponse)}'`],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", (_req, res) => `'nonce-${cspNonce(res as ServerResponse)}'`],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: { action: 'deny' },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}
