import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import QRCode from 'qrcode';
import {
  confirmTotpEnrollment,
  postponeMfaSetup,
  reopenTotpEnrollment,
  startTotpEnrollment,
  type TotpEnrollment,
} from '../../domain/commands/user-factors.ts';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import { verifySecondFactor } from '../../domain/second-factor.ts';
import type { Services } from '../../oidc/services.ts';
import { waitText, type Throttles } from '../middleware/rate-limit.ts';
import { enrollableOf, type LoginContext, type LoginKit } from './login-kit.ts';
import { readLoginForm } from './login-page.ts';
import { writeProgress } from './progress.ts';
import { webauthnLoginPages } from './webauthn.ts';
import { emailOtpLoginPages } from './email-otp.ts';

const MAX_CODE = 64;

/** The QR code of an `otpauth://` URI as an image the page's CSP allows (`img-src data:`). */
async function qrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** What the set-up page shows of an enrollment, posting its first code to `action` (views/mfa-setup.njk). */
export async function setupPage(enrollment: TotpEnrollment, action: string): Promise<Record<string, unknown>> {
  return {
    title: 'Set up two-factor authentication',
    action,
    factorId: enrollment.factorId,
    // In groups of four, as authenticator apps show keys typed by hand.
    secret: enrollment.secret.replace(/(.{4})/g, '$1 ').trim(),
    qrCode: await qrDataUrl(enrollment.uri),
  };
}

/** The entry's labels in the authenticator app: the org's (or instance's) name, and the login name. */
function appLabel(login: LoginContext): { issuer: string; account: string } {
  const issuer = login.policy.branding.displayName ?? login.policyOrg?.name ?? login.tenant.instance.name;
  return { issuer, account: login.progress.loginName ?? login.user?._id ?? '' };
}

/**
 * The login's second-factor steps (domain/rules/login-steps.ts): `mfa` asks for a code of an enrolled factor (a TOTP
 * code, a code sent by email on request, or a recovery code); `mfa-setup` sets up an authenticator app where MFA is
 * required and the user has none, confirmed by a first code, then shows the new recovery codes once.
 */
export function secondFactorPages(kit: LoginKit, services: Services, throttles: Throttles) {
  const { masterKey } = services;

  async function renderCheck(
    ctx: Context,
    login: LoginContext,
    status: number,
    error: string | null,
    notice: string | null = null,
  ): Promise<void> {
    const base = `/ui/login/${login.interaction.uid}`;
    kit.render(ctx, login, 'mfa.njk', status, {
      title: 'Verify your identity',
      error,
      notice,
      emailCode: (await emailOtp.offered(login)) ? `${base}/mfa/email` : null,
      loginName: login.progress.loginName,
      action: `${base}/mfa`,
      backUrl: base,
      webauthn: await webauthn.secondFactorForm(login),
    });
  }
  const webauthn = webauthnLoginPages(kit, renderCheck, (ctx, login, status, keyError) =>
    renderSetup(ctx, login, status, null, null, keyError),
  );
  const emailOtp = emailOtpLoginPages(kit, services, throttles, {
    renderCheck,
    renderSetup: (ctx, login, status, error) => renderSetup(ctx, login, status, error),
  });

  /**
   * The forced set-up: what the policy allows of an authenticator app, a security key and codes by email (rules/mfa.ts
   * enrollableSecondFactors). `keyError` is the key's, after a failed registration; the app's enrollment is reused.
   */
  async function renderSetup(
    ctx: Context,
    login: LoginContext,
    status: number,
    error: string | null,
    pendingFactorId: string | null = null,
    keyError: string | null = null,
  ): Promise<void> {
    const enrollable = enrollableOf(login);
    const base = `/ui/login/${login.interaction.uid}`;
    kit.render(ctx, login, 'mfa-setup.njk', status, {
      title: 'Set up two-factor authentication',
      ...(enrollable.includes('totp') ? await appSetup(login, pendingFactorId) : {}),
      webauthn: enrollable.includes('u2f') ? await webauthn.setupForm(login, keyError) : null,
      emailCodesAction: enrollable.includes('otp_email') ? await emailOtp.setupAction(login) : null,
      error,
      loginName: login.progress.loginName,
      forced: true,
      postponeAction: login.progress.secondFactor === 'enroll-skippable' ? `${base}/mfa-setup/postpone` : null,
    });
  }

  /** The authenticator app's part of the set-up page: the pending enrollment shown again, or a new one. */
  async function appSetup(login: LoginContext, pendingFactorId: string | null): Promise<Record<string, unknown>> {
    const user = login.user!;
    const actor = { instanceId: login.tenant.instance._id, actorId: user._id };
    const label = appLabel(login);
    const reopened = pendingFactorId
      ? await reopenTotpEnrollment(actor.instanceId, user, pendingFactorId, masterKey, label)
      : null;
    const enrollment: TotpEnrollment = reopened ?? (await startTotpEnrollment(actor, user, masterKey, label));
    return setupPage(enrollment, `/ui/login/${login.interaction.uid}/mfa-setup`);
  }

  // The code step reads the user through the cache: nothing in the login wrote it since the password step read it
  // fresh; a lock by parallel wrong codes is read fresh after the check (domain/second-factor.ts), and a change by
  // anyone else reaches it within a revision poll, as for a reused session (domain/login.ts sessionNeedsFreshLogin).
  async function showCheck(ctx: Context): Promise<void> {
    const login = await kit.loadStep(ctx, 'mfa', { cachedUser: true });
    if (login) await renderCheck(ctx, login, 200, null);
  }

  async function submitCheck(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'mfa', { cachedUser: true });
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    const code = (form.get('code') ?? '').trim();
    if (!code || code.length > MAX_CODE) return renderCheck(ctx, login, 400, 'Enter a code.');
    const user = login.user!;
    const instanceId = login.tenant.instance._id;
    // Like passwords (http/login/interaction.ts): wrong codes are throttled per user and per IP address.
    const attempt = await throttles.attempt(instanceId, [
      ['otpFailuresPerUser', user._id],
      ['otpFailuresPerIp', ctx.ip],
    ]);
    if (attempt.refusal) {
      throttles.refuse(ctx, attempt.refusal);
      const wait = waitText(attempt.refusal.seconds);
      return renderCheck(ctx, login, 429, `Too many wrong codes. Please wait ${wait} and try again.`);
    }
    const result = await verifySecondFactor(instanceId, user, code, {
      allowed: login.policy.secondFactors,
      maxAttempts: login.policy.lockout.maxOtpAttempts,
      services,
      origin: kit.origin(ctx, login),
    });
    await (result.outcome === 'ok' ? attempt.succeeded() : attempt.failed());
    if (result.outcome === 'wrong') return renderCheck(ctx, login, 401, LOGIN_MESSAGES.codeInvalid);
    if (result.outcome === 'locked') return renderCheck(ctx, login, 403, LOGIN_MESSAGES.userLocked);
    return kit.advance(ctx, login, { ...login.progress, amr: [...login.progress.amr, 'otp'] }, [result.audit]);
  }

  async function showSetup(ctx: Context): Promise<void> {
    const login = await kit.loadStep(ctx, 'mfa-setup');
    if (login) await renderSetup(ctx, login, 200, null);
  }

  async function submitSetup(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'mfa-setup');
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    const user = login.user!;
    const factorId = form.get('factorId') ?? '';
    const code = (form.get('code') ?? '').replace(/\s/g, '');
    const actor = { instanceId: login.tenant.instance._id, actorId: user._id };
    const withRecoveryCodes = login.policy.secondFactors.includes('recovery_codes');
    const appAllowed = enrollableOf(login).includes('totp');
    const confirmed =
      appAllowed && /^\d{6}$/.test(code)
        ? await confirmTotpEnrollment(actor, user, factorId, code, masterKey, withRecoveryCodes)
        : { confirmed: false as const };
    if (!confirmed.confirmed) return renderSetup(ctx, login, 400, LOGIN_MESSAGES.codeInvalid, factorId);
    const progress = { ...login.progress, amr: [...login.progress.amr, 'otp' as const] };
    if (!confirmed.recoveryCodes) return kit.advance(ctx, login, progress);
    writeProgress(ctx, login.interaction.uid, progress);
    kit.render(ctx, login, 'recovery-codes.njk', 200, {
      title: 'Save your recovery codes',
      recoveryCodes: confirmed.recoveryCodes,
      action: `/ui/login/${login.interaction.uid}/continue`,
    });
  }

  async function postponeSetup(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'mfa-setup');
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    if (login.progress.secondFactor !== 'enroll-skippable')
      return renderSetup(ctx, login, 403, 'Two-factor authentication must be set up now.');
    const user = login.user!;
    await postponeMfaSetup({ instanceId: login.tenant.instance._id, actorId: user._id }, user);
    return kit.advance(ctx, login, { ...login.progress, mfaSetupPostponed: true });
  }

  /** After the recovery codes were shown: the login goes on (or finishes) with the progress made. */
  async function continueLogin(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadContext(ctx);
    kit.verifyCsrf(login.interaction.uid, form);
    return kit.advance(ctx, login, login.progress);
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.get('/mfa', page(showCheck));
    router.post('/mfa', page(submitCheck));
    router.get('/mfa-setup', page(showSetup));
    router.post('/mfa-setup', page(submitSetup));
    router.post('/mfa-setup/postpone', page(postponeSetup));
    router.post('/continue', page(continueLogin));
    webauthn.addRoutes(router, page);
    emailOtp.addRoutes(router, page);
  }

  return { renderCheck, renderSetup, addRoutes };
}
