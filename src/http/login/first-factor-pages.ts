import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import { emptyProgress, type LoginProgress } from '../../domain/rules/login-steps.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { verifyPasswordUnderLockout, identifyUser, policyOf } from '../../domain/login.ts';
import { countLogin } from '../../domain/login-audit.ts';
import { loginDenial } from '../../domain/actions/triggers.ts';
import { verifyPasswordOfUnknownUser } from '../../domain/password-timing.ts';
import { passkeyLoginAllowed } from '../../domain/rules/webauthn.ts';
import { secondFactorStepOf } from '../../domain/second-factor.ts';
import { authRequestOf, type LoginContext, type LoginKit } from './login-kit.ts';
import { waitText, type Throttles, type ThrottleKey } from '../middleware/rate-limit.ts';
import { readLoginForm } from './login-page.ts';
import { writeProgress } from './progress.ts';
import type { IdpButton } from './external-login.ts';

const MAX_LOGIN_NAME = 320;
const MAX_PASSWORD = 1024;

/** What the first-factor pages offer as links to other flows (http/login/registration.ts, password-reset.ts). */
export interface FirstFactorLinks {
  registration: {
    offered(login: LoginContext): Promise<boolean>;
    startsHere(ctx: Context, login: LoginContext): Promise<boolean>;
  };
  passwordReset: { offered(login: LoginContext): Promise<boolean> };
  /** The account chooser of prompt=select_account (http/login/account-selection.ts). */
  accountSelection: { startsHere(ctx: Context, login: LoginContext): Promise<boolean> };
  orgSignUp: { offered(login: LoginContext): Promise<boolean> };
  externalLogin: {
    buttons(login: LoginContext): Promise<IdpButton[]>;
    goesStraightToIdp(ctx: Context, login: LoginContext): Promise<boolean>;
  };
}

/**
 * The login's first steps (domain/rules/login-steps.ts): `login-name` identifies the user (and the org whose policy
 * applies, by org scope or domain discovery); `password` checks the password under throttles and lockout, then
 * decides whether a second factor follows.
 */
export function firstFactorPages(kit: LoginKit, throttles: Throttles, links: FirstFactorLinks) {
  const { registration, passwordReset, orgSignUp, externalLogin } = links;

  async function renderLoginName(
    ctx: Context,
    login: LoginContext,
    status: number,
    error: string | null,
    loginName: string,
  ) {
    const passwordLoginAllowed = login.policy.allowUsernamePassword;
    kit.render(ctx, login, 'login-name.njk', status, {
      title: 'Sign in',
      passwordLoginAllowed,
      error: passwordLoginAllowed ? error : LOGIN_MESSAGES.passwordLoginNotAllowed,
      loginName,
      passkeyUrl: passkeyLoginAllowed(login.policy) ? `/ui/login/${login.interaction.uid}/passkey` : null,
      registerOffered: await registration.offered(login),
      orgSignUpOffered: await orgSignUp.offered(login),
      idpButtons: await externalLogin.buttons(login),
    });
  }

  async function renderPassword(ctx: Context, login: LoginContext, status: number, error: string | null) {
    kit.render(ctx, login, 'password.njk', status, {
      title: 'Enter your password',
      error,
      loginName: login.progress.loginName,
      passwordResetOffered: await passwordReset.offered(login),
    });
  }

  async function showLoginName(ctx: Context): Promise<void> {
    const login = await kit.loadContext(ctx, { forDisplay: true });
    if (await registration.startsHere(ctx, login)) return;
    if (await links.accountSelection.startsHere(ctx, login)) return;
    if (!login.progress.pendingLink && (await externalLogin.goesStraightToIdp(ctx, login))) return;
    await renderLoginName(ctx, login, 200, null, login.progress.loginName ?? login.loginHint ?? '');
  }

  async function submitLoginName(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    // Shows the next step; a login that finishes here reads the interaction again (http/login/interaction.ts).
    const login = await kit.loadContext(ctx, { forDisplay: true });
    kit.verifyCsrf(login.interaction.uid, form);
    const loginName = (form.get('loginName') ?? '').trim();
    if (!login.policy.allowUsernamePassword) return renderLoginName(ctx, login, 403, null, loginName);
    if (!loginName || loginName.length > MAX_LOGIN_NAME)
      return renderLoginName(ctx, login, 400, 'Enter your login name.', loginName);
    const instance = login.tenant.instance;
    const { user, discoveredOrg } = await identifyUser(instance, loginName, login.scopedOrg);
    const requiredOrg = login.scopedOrg ?? discoveredOrg;
    const userOrg = user
      ? user.orgId === requiredOrg?._id
        ? requiredOrg
        : await findOrg(instance._id, user.orgId)
      : null;
    const policyOrg = requiredOrg ?? userOrg;
    const identified: LoginContext = { ...login, user, policyOrg, policy: policyOf(instance, policyOrg) };
    const progress: LoginProgress = {
      ...emptyProgress(),
      loginName,
      discoveredOrgId: discoveredOrg?._id ?? null,
      pendingLink: login.progress.pendingLink,
    };
    // Domain discovery to an org that signs in through its IdP, not with passwords (issue 17).
    if (discoveredOrg && !identified.policy.allowUsernamePassword && !login.progress.pendingLink) {
      writeProgress(ctx, login.interaction.uid, progress);
      if (await externalLogin.goesStraightToIdp(ctx, identified)) return;
      return renderLoginName(ctx, identified, 200, null, loginName);
    }
    if (!user) {
      if (identified.policy.ignoreUnknownUsernames)
        return kit.advance(ctx, identified, { ...progress, unknownUser: true });
      return renderLoginName(ctx, identified, 400, LOGIN_MESSAGES.userNotFound, loginName);
    }
    if (requiredOrg && user.orgId !== requiredOrg._id)
      return renderLoginName(ctx, identified, 403, LOGIN_MESSAGES.notAllowedOrg, loginName);
    if (user.state === 'locked') return renderLoginName(ctx, identified, 403, LOGIN_MESSAGES.userLocked, loginName);
    if (user.state !== 'active') return renderLoginName(ctx, identified, 403, LOGIN_MESSAGES.userInactive, loginName);
    if (userOrg?.state !== 'active')
      return renderLoginName(ctx, identified, 403, LOGIN_MESSAGES.orgInactive, loginName);
    const denial = await loginDenial(instance._id, 'pre-authentication', user, {
      authRequest: authRequestOf(identified),
    });
    if (denial) return renderLoginName(ctx, identified, 403, denial, loginName);
    return kit.advance(ctx, identified, { ...progress, userId: user._id });
  }

  async function showPassword(ctx: Context): Promise<void> {
    const login = await kit.loadStep(ctx, 'password');
    if (login) await renderPassword(ctx, login, 200, null);
  }

  async function submitPassword(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'password');
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    const password = form.get('password') ?? '';
    if (!password || password.length > MAX_PASSWORD) return renderPassword(ctx, login, 400, 'Enter your password.');
    const generic = login.policy.ignoreUnknownUsernames;
    const instanceId = login.tenant.instance._id;
    // Password checks are throttled per login name and per IP address (http/middleware/rate-limit.ts): failures count.
    const keys: ThrottleKey[] = [
      ['passwordFailuresPerLoginName', (login.progress.loginName ?? '').trim().toLowerCase()],
      ['passwordFailuresPerIp', ctx.ip],
    ];
    const attempt = await throttles.attempt(instanceId, keys);
    if (attempt.refusal) {
      throttles.refuse(ctx, attempt.refusal);
      const wait = waitText(attempt.refusal.seconds);
      return renderPassword(ctx, login, 429, `Too many failed sign-in attempts. Please wait ${wait} and try again.`);
    }
    if (!login.user) {
      countLogin(instanceId, 'unknown_user');
      await verifyPasswordOfUnknownUser(password);
      await attempt.failed();
      return renderPassword(ctx, login, 401, LOGIN_MESSAGES.usernameOrPasswordInvalid);
    }
    const outcome = await verifyPasswordUnderLockout(
      instanceId,
      login.user,
      password,
      login.policy.lockout.maxPasswordAttempts,
      kit.origin(ctx, login),
    );
    await (outcome === 'wrong' || outcome === 'locked' ? attempt.failed() : attempt.succeeded());
    const wrong = generic ? LOGIN_MESSAGES.usernameOrPasswordInvalid : LOGIN_MESSAGES.passwordInvalid;
    if (outcome === 'wrong') return renderPassword(ctx, login, 401, wrong);
    if (outcome === 'locked') return renderPassword(ctx, login, 403, LOGIN_MESSAGES.userLocked);
    if (outcome === 'inactive') return renderPassword(ctx, login, 403, LOGIN_MESSAGES.userInactive);
    const secondFactorStep = await secondFactorStepOf(
      instanceId,
      login.user,
      login.policy,
      login.interaction.params.acr_values,
    );
    return kit.advance(ctx, login, {
      ...login.progress,
      amr: [...login.progress.amr, 'pwd'],
      secondFactor: secondFactorStep,
    });
  }

  return {
    renderLoginName,
    renderPassword,
    addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
      router.get('/', page(showLoginName));
      router.post('/login-name', page(submitLoginName));
      router.get('/password', page(showPassword));
      router.post('/password', page(submitPassword));
    },
  };
}
