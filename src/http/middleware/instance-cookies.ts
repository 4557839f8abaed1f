import { AsyncLocalStorage } from 'node:async_hooks';
import type { CookieSigner } from '../../platform/cookie-signer.ts';

/** The cookie keys of the instance whose request is being handled (set by the tenant resolver, tenant.ts). */
const current = new AsyncLocalStorage<CookieSigner>();

function keys(): CookieSigner {
  const signer = current.getStore();
  // Only an instance's routes sign cookies; a cookie outside one would be signed for no instance.
  if (!signer) throw new Error('a signed cookie outside an instance request');
  return signer;
}

/**
 * Koa's `app.keys` (one per app, read by `ctx.cookies`): each request's cookies are signed and checked with the keys of
 * the instance it is for, so a login UI cookie of one instance is forged at any other, like the provider's own.
 */
export const instanceCookieKeys: Pick<CookieSigner, 'sign' | 'verify' | 'index'> = {
  sign: (data) => keys().sign(data),
  verify: (data, signature) => keys().verify(data, signature),
  index: (data, signature) => keys().index(data, signature),
};

/** Runs the rest of the request with the instance's cookie keys. */
export function withInstanceCookies(signer: CookieSigner, next: () => Promise<unknown>): Promise<unknown> {
  return current.run(signer, next);
}
