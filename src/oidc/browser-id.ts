import { randomSecret } from '../platform/crypto.ts';
import { SESSION_SECONDS } from './lifetimes.ts';

/**
 * The browser's id (ZITADEL's user agent id): 256 random bits in a signed, HttpOnly cookie, naming the logins this
 * browser keeps on the server (store/models/browser-login.ts). It holds no account and no authentication itself.
 * Path `/`: the login pages and the provider's authorization and end_session endpoints read it. Signed with the
 * instance's cookie keys, which the login UI and the provider share (http/middleware/instance-cookies.ts).
 */
const BROWSER_COOKIE = 'castellan_browser';

/** What both koa apps' contexts (the login UI's and the provider's) offer. */
interface CookieContext {
  secure: boolean;
  cookies: {
    get(name: string, options: { signed: boolean }): string | undefined;
    set(name: string, value: string, options: Record<string, unknown>): unknown;
  };
}

export function readBrowserId(ctx: CookieContext): string | null {
  return ctx.cookies.get(BROWSER_COOKIE, { signed: true }) ?? null;
}

/**
 * The browser's id, given one first when it has none (`fresh`: no login is kept under it yet); the cookie lasts as long
 * as a session from now.
 */
export function browserIdOf(ctx: CookieContext): { browserId: string; fresh: boolean } {
  const known = readBrowserId(ctx);
  const browserId = known ?? randomSecret(32);
  ctx.cookies.set(BROWSER_COOKIE, browserId, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    path: '/',
    overwrite: true,
    maxAge: SESSION_SECONDS * 1000,
  });
  return { browserId, fresh: known === null };
}
