import { createHmac, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Interaction, InteractionResults } from 'oidc-provider';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import { nextStep, stepReachable, type LoginProgress, type StepName } from '../../domain/rules/login-steps.ts';
import { brandingFrom } from '../../domain/rules/branding.ts';
import { renderView } from '../../platform/templates.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import {
  findCachedLoginUser,
  readLoginUserFresh,
  loginRequirementProblem,
  policyOf,
  resolveRequiredOrg,
} from '../../domain/login.ts';
import { recordLogin } from '../../domain/login-audit.ts';
import { loginDenial } from '../../domain/actions/triggers.ts';
import { recordEvents, type NewEvent, type RequestOrigin } from '../../store/queries/events.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { acrOf, amrOf } from '../../domain/rules/mfa.ts';
import { authRequestOf, type LoadOptions, type LoginContext, type LoginKit } from './login-kit.ts';
import { secondFactorPages } from './second-factor-pages.ts';
import { passwordResetPages } from './password-reset.ts';
import { registrationPages } from './registration.ts';
import type { Throttles } from '../middleware/rate-limit.ts';
import { LoginPageError, loginPage } from './login-page.ts';
import { firstFactorPages } from './first-factor-pages.ts';
import { accountSelectionPages } from './account-selection.ts';
import { keepBrowserLogin } from '../../oidc/browser-logins.ts';
import { readForDisplay } from '../../oidc/interaction-adapter.ts';
import { readProgress, writeProgress } from './progress.ts';
import { emailVerificationStep } from './email-verification-step.ts';
import { orgSignUpPages } from './org-signup.ts';
import { passwordChangeAtLogin } from './password-change-at-login.ts';
import { externalLoginPages, linkPendingIdentity } from './external-login.ts';

export const EXPIRED_MESSAGE =
  'Your login has expired or was already completed. Please return to the application and sign in again.';
export const CSRF_MESSAGE =
  'The form could not be accepted because it was not sent from this login page. Please go back and try again.';

/** Who is logging in from where, for the audit trail (ctx.ip honours X-Forwarded-For only behind a trusted proxy). */
function origin(ctx: Context, login: LoginContext): RequestOrigin {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, clientId: String(login.interaction.params.client_id) };
}

export function interactionRoutes(services: Services, throttles: Throttles): Router {
  const csrfKey = services.masterKey.hmacKey('csrf');
  const csrfToken = (uid: string) => createHmac('sha256', csrfKey).update(uid).digest('base64url');

  function verifyCsrf(uid: string, form: URLSearchParams): void {
    const sent = Buffer.from(form.get('csrf') ?? '');
    const expected = Buffer.from(csrfToken(uid));
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected))
      throw new LoginPageError(400, 'Form not accepted', CSRF_MESSAGE, `/ui/login/${uid}`);
  }

  /** The login's interaction, named by the browser's interaction cookie (the provider checks it) and by the URL. */
  async function readInteraction(ctx: Context, forDisplay: boolean): Promise<Interaction> {
    const { tenant } = ctx.state as { tenant: Tenant };
    const read = () => tenant.provider.interactionDetails(ctx.req, ctx.res);
    let details;
    try {
      details = await (forDisplay ? readForDisplay(read) : read());
    } catch {
      throw new LoginPageError(400, 'Login expired', EXPIRED_MESSAGE);
    }
    if (details.uid !== String(ctx.params.uid)) throw new LoginPageError(400, 'Login expired', EXPIRED_MESSAGE);
    return details;
  }

  async function loadContext(ctx: Context, options: LoadOptions = {}): Promise<LoginContext> {
    const { tenant } = ctx.state as { tenant: Tenant };
    const uid = String(ctx.params.uid);
    const forDisplay = options.forDisplay === true;
    const details = await readInteraction(ctx, forDisplay);
    const instance = tenant.instance;
    const required = await resolveRequiredOrg(instance._id, details.params.scope);
    if (!required.ok) throw new LoginPageError(400, 'Login not possible', required.message);
    const progress = readProgress(ctx, uid);
    const findUser = options.cachedUser ? findCachedLoginUser : readLoginUserFresh;
    const user = progress.userId ? await findUser(instance._id, progress.userId) : null;
    const policyOrgId = required.org?._id ?? progress.discoveredOrgId ?? user?.orgId ?? null;
    const policyOrg =
      policyOrgId === required.org?._id ? required.org : policyOrgId ? await findOrg(instance._id, policyOrgId) : null;
    const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint : null;
    return {
      tenant,
      interaction: details,
      scopedOrg: required.org,
      progress,
      user,
      policyOrg,
      policy: policyOf(instance, policyOrg),
      loginHint,
      interactionForDisplay: forDisplay,
    };
  }

  function render(
    ctx: Context,
    login: LoginContext,
    view: string,
    status: number,
    context: Record<string, unknown>,
  ): void {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = renderView(ctx.res, view, {
      branding: brandingFrom(login.policy, login.policyOrg?.name ?? login.tenant.instance.name),
      uid: login.interaction.uid,
      csrf: csrfToken(login.interaction.uid),
      ...context,
    });
  }

  /** The login when `step` may be shown (earlier steps done, a login name typed), else a redirect to its start. */
  async function loadStep(ctx: Context, step: StepName, options: LoadOptions = {}): Promise<LoginContext | null> {
    const login = await loadContext(ctx, options);
    if (!stepReachable(step, login.policy, login.progress) || login.progress.loginName === null) {
      ctx.status = 303;
      ctx.redirect(`/ui/login/${login.interaction.uid}`);
      return null;
    }
    return login;
  }

  const kit: LoginKit = { loadContext, loadStep, render, advance, verifyCsrf, origin };
  const secondFactor = secondFactorPages(kit, services, throttles);
  const passwordReset = passwordResetPages(kit, services, throttles);
  const registration = registrationPages(kit, services, throttles);
  const emailVerification = emailVerificationStep(kit, services);
  const orgSignUp = orgSignUpPages(kit, services, throttles);
  const passwordChange = passwordChangeAtLogin(kit);
  const accountSelection = accountSelectionPages(kit);
  const externalLogin = externalLoginPages(kit, services);
  const firstFactor = firstFactorPages(kit, throttles, {
    registration,
    passwordReset,
    orgSignUp,
    accountSelection,
    externalLogin,
  });

  const STEP_PAGES: Record<StepName, (ctx: Context, login: LoginContext) => Promise<void> | void> = {
    'login-name': (ctx, login) => firstFactor.renderLoginName(ctx, login, 200, null, login.progress.loginName ?? ''),
    password: (ctx, login) => firstFactor.renderPassword(ctx, login, 200, null),
    mfa: (ctx, login) => secondFactor.renderCheck(ctx, login, 200, null),
    'mfa-setup': (ctx, login) => secondFactor.renderSetup(ctx, login, 200, null),
  };

  /**
   * Moves to the next step, or finishes the interaction once the user is authenticated and allowed in.
   * The next step's page is the answer to the form, as in ZITADEL's and Keycloak's logins: a redirect
   * would cost the browser a round trip and the server a second read of the interaction and the user.
   */
  async function advance(
    ctx: Context,
    login: LoginContext,
    progress: LoginProgress,
    checks: readonly NewEvent[] = [],
  ): Promise<void> {
    // The checks' events go into the login's success's insert (finish takes them out), else on their own, also when
    // the login is refused.
    const unrecorded = [...checks];
    try {
      await finish(ctx, login, progress, unrecorded);
    } finally {
      if (unrecorded.length > 0) await recordEvents(unrecorded);
    }
  }

  /** Finishes the login when every step is done, recording `unrecorded` with it; else shows the next step. */
  async function finish(
    ctx: Context,
    login: LoginContext,
    progress: LoginProgress,
    unrecorded: NewEvent[],
  ): Promise<void> {
    const step = nextStep(login.policy, progress);
    if (step === 'no-method')
      throw new LoginPageError(403, 'Login not possible', LOGIN_MESSAGES.passwordLoginNotAllowed);
    if (step === 'no-second-factor')
      throw new LoginPageError(403, 'Login not possible', LOGIN_MESSAGES.mfaForcedNotConfigured);
    if (step !== 'authenticated') {
      writeProgress(ctx, login.interaction.uid, progress);
      await STEP_PAGES[step](ctx, { ...login, progress });
      return;
    }
    const user = login.user!;
    // After the second factor, as in ZITADEL's login: a password change the age policy asks for, then the address.
    const passwordAge = passwordChange.required(login, progress);
    if (passwordAge) {
      writeProgress(ctx, login.interaction.uid, progress);
      return passwordChange.render(ctx, { ...login, progress }, passwordAge, 200, null);
    }
    if (emailVerification.required(login)) {
      writeProgress(ctx, login.interaction.uid, progress);
      return emailVerification.render(ctx, { ...login, progress });
    }
    const problem = await loginRequirementProblem(
      login.tenant.instance._id,
      String(login.interaction.params.client_id),
      user,
      login.scopedOrg?._id ?? progress.discoveredOrgId,
    );
    writeProgress(ctx, login.interaction.uid, null);
    if (problem) throw new LoginPageError(403, 'Login not possible', problem);
    // A login through an IdP ran the external-authentication flow's post-authentication instead (external-login.ts).
    const denial = progress.amr.includes('fed')
      ? null
      : await loginDenial(login.tenant.instance._id, 'post-authentication', user, {
          authRequest: authRequestOf(login),
        });
    if (denial) throw new LoginPageError(403, 'Login not possible', denial);
    if (progress.pendingLink)
      await linkPendingIdentity(login.tenant.instance._id, login.interaction.uid, progress.pendingLink, user._id);
    await recordLogin(login.tenant.instance._id, user, origin(ctx, login), unrecorded.splice(0));
    // RFC 8176 `amr` and the `acr` reached (rules/mfa.ts); the provider puts them in the session and the ID token.
    const amr = amrOf(progress.amr);
    const acr = acrOf(amr);
    const ts = Math.floor(Date.now() / 1000);
    // What the provider's interactionResult does, on the interaction this request already read (read again if it was
    // read only to be shown: another process may have ended it). A login is also the answer to prompt=select_account
    // (the user chose to sign in), else the provider would ask for a choice again.
    const interaction = login.interactionForDisplay ? await readInteraction(ctx, false) : login.interaction;
    interaction.result = {
      login: { accountId: user._id, amr, acr, ts },
      select_account: {},
    } satisfies InteractionResults;
    // The browser keeps this login beside the provider's session, to switch back to it (oidc/browser-logins.ts).
    await Promise.all([
      keepBrowserLogin(ctx, login.tenant.instance._id, { userId: user._id, authTime: ts, amr, acr }),
      interaction.save(interaction.exp - Math.floor(Date.now() / 1000)),
    ]);
    ctx.status = 303;
    ctx.redirect(interaction.returnTo);
  }

  const router = new Router({ prefix: '/ui/login/:uid' });
  const page = (handler: (ctx: Context) => Promise<void>) => loginPage(services.log, handler);
  const pageSets = [
    firstFactor,
    secondFactor,
    passwordReset,
    registration,
    emailVerification,
    orgSignUp,
    passwordChange,
    accountSelection,
    externalLogin,
  ];
  for (const pages of pageSets) pages.addRoutes(router, page);
  return router;
}
