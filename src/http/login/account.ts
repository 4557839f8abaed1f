import Router from '@koa/router';
import type { Context } from 'koa';
import { removeUserFactor } from '../../domain/commands/user-factors.ts';
import { findLoginUser, identifyUser, policyOf, verifyPasswordUnderLockout } from '../../domain/login.ts';
import { verifyPasswordOfUnknownUser } from '../../domain/password-timing.ts';
import { brandingFrom } from '../../domain/rules/branding.ts';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import { usableSecondFactors } from '../../domain/rules/mfa.ts';
import { verifySecondFactor } from '../../domain/second-factor.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { renderView } from '../../platform/templates.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { recordEvent } from '../../store/queries/events.ts';
import { findUserFactors } from '../../store/queries/user-factors.ts';
import { waitText, type Throttles } from '../middleware/rate-limit.ts';
import {
  ACCOUNT_PATH,
  accountCsrf,
  readAccountSession,
  verifyAccountCsrf,
  writeAccountSession,
  type AccountSession,
} from './account-session.ts';
import { accountWebauthnPages, mayAddWebauthn } from './account-webauthn.ts';
import { accountEmailOtpPages } from './account-email-otp.ts';
import { accountPasswordPages } from './account-password.ts';
import { accountTotpPages } from './account-totp.ts';
import { accountLinkPages } from './account-links.ts';
import { loginPage, readLoginForm } from './login-page.ts';

const MAX_FIELD = 1024;

/**
 * The self-service page of the login UI (issue 15): a user signs in with their password (and second factor, when they
 * have one) and then sees their factors, removes them, sets up an authenticator app and gets new recovery codes. The
 * sign-in lasts ACCOUNT_SESSION_SECONDS, so every change follows a fresh password check.
 */
export function accountRoutes(services: Services, throttles: Throttles): Router {
  const { masterKey } = services;
  const csrfKey = masterKey.hmacKey('csrf');

  async function load(ctx: Context) {
    const { tenant } = ctx.state as { tenant: Tenant };
    const session = readAccountSession(ctx, tenant.instance._id);
    const user = session ? await findLoginUser(tenant.instance._id, session.userId) : null;
    const org = user ? await findOrg(tenant.instance._id, user.orgId) : null;
    const active = user?.state === 'active' && org?.state === 'active';
    return {
      tenant,
      session: active ? session : null,
      user: active ? user : null,
      org,
      policy: policyOf(tenant.instance, org),
    };
  }
  type Loaded = Awaited<ReturnType<typeof load>>;

  function render(ctx: Context, loaded: Loaded, view: string, status: number, context: Record<string, unknown>) {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = renderView(ctx.res, view, {
      branding: brandingFrom(loaded.policy, loaded.org?.name ?? loaded.tenant.instance.name),
      csrf: accountCsrf(ctx, csrfKey),
      ...context,
    });
  }

  const renderSignIn = (ctx: Context, loaded: Loaded, status: number, error: string | null, loginName = '') =>
    render(ctx, loaded, 'account-sign-in.njk', status, { title: 'Your account', error, loginName });
  const renderCode = async (
    ctx: Context,
    loaded: Loaded,
    status: number,
    error: string | null,
    notice?: string | null,
  ) =>
    render(ctx, loaded, 'mfa.njk', status, {
      title: 'Verify your identity',
      error,
      notice,
      emailCode: await emailOtp.sendAction(loaded),
      loginName: loaded.user?.username,
      action: `${ACCOUNT_PATH}/code`,
      backUrl: ACCOUNT_PATH,
      webauthn: await webauthn.secondFactorForm(loaded),
    });
  const backToAccount = (ctx: Context) => {
    ctx.status = 303;
    ctx.redirect(ACCOUNT_PATH);
  };
  const actorOf = (loaded: Loaded) => ({ instanceId: loaded.tenant.instance._id, actorId: loaded.user!._id });

  async function show(ctx: Context): Promise<void> {
    const loaded = await load(ctx);
    if (loaded.session?.stage === 'password') return renderCode(ctx, loaded, 200, null);
    if (loaded.session?.stage !== 'done') return renderSignIn(ctx, loaded, 200, null);
    const factors = await findUserFactors(loaded.tenant.instance._id, loaded.user!._id);
    render(ctx, loaded, 'account.njk', 200, {
      title: 'Your account',
      username: loaded.user!.username,
      factors: factors.map((factor) => ({
        id: factor._id,
        name: factor.name,
        created: factor.createdAt.toISOString().slice(0, 10),
        remaining: factor.recoveryCodes
          ? `${factor.recoveryCodes.codeHashes.length} of ${factor.recoveryCodes.issued}`
          : null,
      })),
      maySetUpTotp: loaded.policy.secondFactors.includes('totp'),
      mayAddWebauthn: mayAddWebauthn(loaded.policy),
      maySetUpEmailCodes: await emailOtp.maySetUp(loaded, factors),
      mayHaveRecoveryCodes: loaded.policy.secondFactors.includes('recovery_codes'),
      links: await links.list(loaded),
    });
  }

  /** A form of a signed-in user: the loaded session, or null after sending them back to sign in. */
  async function signedInForm(ctx: Context): Promise<{ loaded: Loaded; form: URLSearchParams } | null> {
    const form = await readLoginForm(ctx);
    verifyAccountCsrf(ctx, csrfKey, form);
    const loaded = await load(ctx);
    if (loaded.session?.stage === 'done') return { loaded, form };
    backToAccount(ctx);
    return null;
  }

  /** A form of a user who passed the password and still owes a second factor, or null after a redirect. */
  async function secondFactorForm(ctx: Context): Promise<{ loaded: Loaded; form: URLSearchParams } | null> {
    const form = await readLoginForm(ctx);
    verifyAccountCsrf(ctx, csrfKey, form);
    const loaded = await load(ctx);
    if (loaded.session?.stage === 'password') return { loaded, form };
    backToAccount(ctx);
    return null;
  }

  function completeSignIn(ctx: Context, loaded: Loaded): void {
    writeAccountSession(ctx, { ...loaded.session!, stage: 'done' });
    backToAccount(ctx);
  }
  const kit = { load, render, signedInForm, secondFactorForm, completeSignIn, renderCode, backToAccount };
  const webauthn = accountWebauthnPages(kit);
  const emailOtp = accountEmailOtpPages(kit, services);
  const password = accountPasswordPages(kit, throttles);
  const totp = accountTotpPages(kit, services);
  const links = accountLinkPages(kit);

  async function signIn(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    verifyAccountCsrf(ctx, csrfKey, form);
    const loaded = await load(ctx);
    const loginName = (form.get('loginName') ?? '').trim();
    const password = form.get('password') ?? '';
    if (!loginName || !password || loginName.length > MAX_FIELD || password.length > MAX_FIELD)
      return renderSignIn(ctx, loaded, 400, 'Enter your login name and password.', loginName);
    const instance = loaded.tenant.instance;
    const attempt = await throttles.attempt(instance._id, [
      ['passwordFailuresPerLoginName', loginName.toLowerCase()],
      ['passwordFailuresPerIp', ctx.ip],
    ]);
    if (attempt.refusal) {
      throttles.refuse(ctx, attempt.refusal);
      const wait = waitText(attempt.refusal.seconds);
      return renderSignIn(ctx, loaded, 429, `Too many failed sign-in attempts. Please wait ${wait}.`, loginName);
    }
    const { user } = await identifyUser(instance, loginName, null);
    const org = user ? await findOrg(instance._id, user.orgId) : null;
    const policy = policyOf(instance, org);
    const origin = { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, clientId: null };
    const canLogIn = user !== null && user.state === 'active' && org?.state === 'active';
    // An unknown or inactive user costs what a wrong password costs, and reads the same (no account enumeration).
    if (!canLogIn) await verifyPasswordOfUnknownUser(password);
    const outcome = canLogIn
      ? await verifyPasswordUnderLockout(instance._id, user, password, policy.lockout.maxPasswordAttempts, origin)
      : 'wrong';
    await (outcome === 'ok' ? attempt.succeeded() : attempt.failed());
    if (outcome !== 'ok') return renderSignIn(ctx, loaded, 401, LOGIN_MESSAGES.usernameOrPasswordInvalid, loginName);
    const factors = await findUserFactors(instance._id, user!._id);
    const stage = usableSecondFactors(policy, factors).length ? 'password' : 'done';
    const session: AccountSession = {
      instanceId: instance._id,
      userId: user!._id,
      stage,
      checkedAt: Date.now() / 1000,
    };
    writeAccountSession(ctx, session);
    backToAccount(ctx);
  }

  async function submitCode(ctx: Context): Promise<void> {
    const request = await secondFactorForm(ctx);
    if (!request) return;
    const { loaded, form } = request;
    const code = (form.get('code') ?? '').trim();
    if (!code || code.length > 64) return renderCode(ctx, loaded, 400, 'Enter a code.');
    const instanceId = loaded.tenant.instance._id;
    const attempt = await throttles.attempt(instanceId, [
      ['otpFailuresPerUser', loaded.user!._id],
      ['otpFailuresPerIp', ctx.ip],
    ]);
    if (attempt.refusal) {
      throttles.refuse(ctx, attempt.refusal);
      return renderCode(ctx, loaded, 429, `Too many wrong codes. Please wait ${waitText(attempt.refusal.seconds)}.`);
    }
    const result = await verifySecondFactor(instanceId, loaded.user!, code, {
      allowed: loaded.policy.secondFactors,
      maxAttempts: loaded.policy.lockout.maxOtpAttempts,
      services,
      origin: { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, clientId: null },
    });
    await (result.outcome === 'ok' ? attempt.succeeded() : attempt.failed());
    if (result.outcome === 'wrong') return renderCode(ctx, loaded, 401, LOGIN_MESSAGES.codeInvalid);
    if (result.outcome === 'locked') return renderCode(ctx, loaded, 403, LOGIN_MESSAGES.userLocked);
    await recordEvent(result.audit);
    completeSignIn(ctx, loaded);
  }

  async function removeFactor(ctx: Context): Promise<void> {
    const request = await signedInForm(ctx);
    if (!request) return;
    await removeUserFactor(actorOf(request.loaded), request.loaded.user!, String(ctx.params.factorId));
    backToAccount(ctx);
  }

  async function signOut(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    verifyAccountCsrf(ctx, csrfKey, form);
    writeAccountSession(ctx, null);
    backToAccount(ctx);
  }

  const router = new Router({ prefix: ACCOUNT_PATH });
  const page = (handler: (ctx: Context) => Promise<void>) => loginPage(services.log, handler);
  router.get('/', page(show));
  // After the recovery codes were shown.
  router.post(
    '/',
    page(async (ctx) => backToAccount(ctx)),
  );
  router.post('/sign-in', page(signIn));
  router.post('/code', page(submitCode));
  router.post('/factors/:factorId/remove', page(removeFactor));
  router.post('/sign-out', page(signOut));
  webauthn.addRoutes(router, page);
  emailOtp.addRoutes(router, page);
  password.addRoutes(router, page);
  totp.addRoutes(router, page);
  links.addRoutes(router, page);
  return router;
}
