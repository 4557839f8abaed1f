import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { CONSOLE_PATH } from '../../domain/setup/console-app.ts';
import type { MasterKey } from '../../platform/crypto.ts';
import { TokenSealer } from '../../platform/token-sealer.ts';
import type { FlashCode } from './flash.ts';

const SESSION_COOKIE = 'castellan_console';
const FLOW_COOKIE = 'castellan_console_flow';
/**
 * A manager idle for 30 minutes signs in again, and every 12 hours whatever the activity: OWASP's session management
 * cheat sheet suggests 15–30 minutes idle for high-value applications and an absolute limit of a working day
 * (https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-expiration).
 */
export const CONSOLE_IDLE_SECONDS = 30 * 60;
export const CONSOLE_ABSOLUTE_SECONDS = 12 * 3600;
const FLOW_SECONDS = 600;

/** A signed-in manager: who, the ID token for RP-initiated logout, the form token, and the two clocks. */
export interface ConsoleSession {
  userId: string;
  idToken: string;
  csrf: string;
  signedInAt: number;
  seenAt: number;
  /** The success message the next page shows, once (flash.ts). */
  flash?: FlashCode;
}

/** A sign-in under way (code flow with PKCE): what the callback checks. */
export interface SignInFlow {
  state: string;
  nonce: string;
  codeVerifier: string;
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * The console's cookies are sealed (AES-256-GCM, platform/token-sealer.ts) for their instance, so they are neither
 * readable nor forgeable by the browser, and one instance's session never opens at another. HttpOnly, SameSite=Lax
 * (the OP's redirect back to the callback is a top-level navigation) and Secure behind TLS.
 */
export function consoleCookies(masterKey: MasterKey) {
  const key = masterKey.derive('console-session');
  const sealers = new Map<string, TokenSealer>();
  const sealerFor = (instanceId: string, kind: string) => {
    const context = `${kind}:${instanceId}`;
    let sealer = sealers.get(context);
    if (!sealer) sealers.set(context, (sealer = new TokenSealer(key, `castellan-console-${context}`)));
    return sealer;
  };
  const options = (ctx: Context, maxAgeSeconds: number) =>
    ({
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      path: CONSOLE_PATH,
      overwrite: true,
      maxAge: maxAgeSeconds * 1000,
    }) as const;
  const read = (ctx: Context, instanceId: string, kind: string, name: string) => {
    const raw = ctx.cookies.get(name);
    return raw ? sealerFor(instanceId, kind).open(raw) : undefined;
  };

  return {
    /** The session, or null when there is none, it was idle too long or it is too old. */
    readSession(ctx: Context, instanceId: string): ConsoleSession | null {
      const session = read(ctx, instanceId, 'session', SESSION_COOKIE) as ConsoleSession | undefined;
      if (!session) return null;
      const time = now();
      const alive =
        time - session.seenAt < CONSOLE_IDLE_SECONDS && time - session.signedInAt < CONSOLE_ABSOLUTE_SECONDS;
      return alive ? session : null;
    },
    /** Stores the session with its idle clock restarted (each request a signed-in manager makes). */
    touchSession(ctx: Context, instanceId: string, session: ConsoleSession): void {
      const seen = { ...session, seenAt: now() };
      const remaining = Math.min(CONSOLE_IDLE_SECONDS, CONSOLE_ABSOLUTE_SECONDS - (seen.seenAt - session.signedInAt));
      ctx.cookies.set(SESSION_COOKIE, sealerFor(instanceId, 'session').seal(seen), options(ctx, remaining));
    },
    startSession(ctx: Context, instanceId: string, userId: string, idToken: string): void {
      const time = now();
      const session = { userId, idToken, csrf: randomBytes(24).toString('base64url'), signedInAt: time, seenAt: time };
      ctx.cookies.set(
        SESSION_COOKIE,
        sealerFor(instanceId, 'session').seal(session),
        options(ctx, CONSOLE_IDLE_SECONDS),
      );
    },
    endSession(ctx: Context): void {
      ctx.cookies.set(SESSION_COOKIE, null, options(ctx, 0));
    },
    startFlow(ctx: Context, instanceId: string, flow: SignInFlow): void {
      ctx.cookies.set(FLOW_COOKIE, sealerFor(instanceId, 'flow').seal(flow), options(ctx, FLOW_SECONDS));
    },
    /** The flow, read once: a callback can be completed a single time. */
    takeFlow(ctx: Context, instanceId: string): SignInFlow | undefined {
      const flow = read(ctx, instanceId, 'flow', FLOW_COOKIE) as SignInFlow | undefined;
      ctx.cookies.set(FLOW_COOKIE, null, options(ctx, 0));
      return flow;
    },
  };
}
export type ConsoleCookies = ReturnType<typeof consoleCookies>;

/** OWASP's synchronizer token: every form carries the session's CSRF token, compared in constant time. */
export function csrfMatches(session: ConsoleSession, sent: string | undefined): boolean {
  const expected = Buffer.from(session.csrf);
  const given = Buffer.from(sent ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
