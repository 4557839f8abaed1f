import type { Context } from 'koa';
import { emptyProgress, type LoginProgress } from '../../domain/rules/login-steps.ts';

const PROGRESS_COOKIE = 'castellan_login';

/** The login's progress (steps done) for interaction `uid`, from its signed cookie; empty for another login. */
export function readProgress(ctx: Context, uid: string): LoginProgress {
  const raw = ctx.cookies.get(PROGRESS_COOKIE, { signed: true });
  if (!raw) return emptyProgress();
  try {
    const stored = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as LoginProgress & { uid: string };
    return stored.uid === uid
      ? {
          userId: stored.userId,
          loginName: stored.loginName,
          discoveredOrgId: stored.discoveredOrgId,
          amr: stored.amr,
          unknownUser: stored.unknownUser,
          secondFactor: stored.secondFactor ?? null,
          mfaSetupPostponed: stored.mfaSetupPostponed ?? false,
          passwordChangePostponed: stored.passwordChangePostponed ?? false,
          pendingLink: stored.pendingLink ?? null,
        }
      : emptyProgress();
  } catch {
    return emptyProgress();
  }
}

/** Stores the progress of interaction `uid` in a signed cookie scoped to its pages; null clears it. */
export function writeProgress(ctx: Context, uid: string, progress: LoginProgress | null): void {
  const value = progress ? Buffer.from(JSON.stringify({ uid, ...progress })).toString('base64url') : null;
  ctx.cookies.set(PROGRESS_COOKIE, value, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    path: `/ui/login/${uid}`,
    overwrite: true,
  });
}
