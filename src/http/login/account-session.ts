import { createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import { LoginPageError } from './login-page.ts';

const SESSION_COOKIE = 'castellan_account';
const NONCE_COOKIE = 'castellan_account_nonce';
export const ACCOUNT_PATH = '/ui/account';
/**
 * How long a password check lets the user change their factors: setting up or removing a factor needs a fresh check
 * (issue 15, "enrollment requires a fresh password or factor check"); 10 minutes, as GitHub's sudo mode asks again
 * after a few minutes of inactivity.
 */
export const ACCOUNT_SESSION_SECONDS = 600;

/** Who signed in to the self-service pages, how far, and when the password was checked. */
export interface AccountSession {
  instanceId: string;
  userId: string;
  /** `password`: a second factor is still due; `done`: signed in. */
  stage: 'password' | 'done';
  checkedAt: number;
}

const cookieOptions = (ctx: Context) =>
  ({
    signed: true,
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.secure,
    path: ACCOUNT_PATH,
    overwrite: true,
  }) as const;

export function readAccountSession(ctx: Context, instanceId: string): AccountSession | null {
  const raw = ctx.cookies.get(SESSION_COOKIE, { signed: true });
  if (!raw) return null;
  try {
    const session = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as AccountSession;
    const fresh = Date.now() / 1000 - session.checkedAt < ACCOUNT_SESSION_SECONDS;
    return session.instanceId === instanceId && fresh ? session : null;
  } catch {
    return null;
  }
}

export function writeAccountSession(ctx: Context, session: AccountSession | null): void {
  const value = session ? Buffer.from(JSON.stringify(session)).toString('base64url') : null;
  ctx.cookies.set(SESSION_COOKIE, value, { ...cookieOptions(ctx), maxAge: ACCOUNT_SESSION_SECONDS * 1000 });
}

/**
 * Forms of the self-service pages carry a token bound to this browser: an HMAC of a random nonce kept in a signed,
 * strict same-site cookie (set when a page is rendered), so no other site can submit them.
 */
export function accountCsrf(ctx: Context, csrfKey: KeyObject): string {
  let nonce = ctx.cookies.get(NONCE_COOKIE, { signed: true });
  if (!nonce) {
    nonce = randomBytes(16).toString('base64url');
    ctx.cookies.set(NONCE_COOKIE, nonce, cookieOptions(ctx));
  }
  return createHmac('sha256', csrfKey).update(`account:${nonce}`).digest('base64url');
}

export function verifyAccountCsrf(ctx: Context, csrfKey: KeyObject, form: URLSearchParams): void {
  const nonce = ctx.cookies.get(NONCE_COOKIE, { signed: true });
  const sent = Buffer.from(form.get('csrf') ?? '');
  const expected = Buffer.from(
    nonce ? createHmac('sha256', csrfKey).update(`account:${nonce}`).digest('base64url') : '',
  );
  if (!nonce || sent.length !== expected.length || !timingSafeEqual(sent, expected))
    throw new LoginPageError(
      400,
      'Form not accepted',
      'The form could not be accepted because it was not sent from this page. Please go back and try again.',
      ACCOUNT_PATH,
    );
}
