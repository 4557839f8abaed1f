import type { Context, Middleware } from 'koa';
import type Router from '@koa/router';
import { sendVerificationAfterCreation } from '../../domain/commands/user-email.ts';
import { createHumanUser } from '../../domain/commands/users.ts';
import { DomainError } from '../../domain/errors.ts';
import { findLoginUser, policyOf, type LoginOrg } from '../../domain/login.ts';
import { emptyProgress } from '../../domain/rules/login-steps.ts';
import { passwordProblems } from '../../domain/rules/password-complexity.ts';
import { secondFactorStepOf } from '../../domain/second-factor.ts';
import type { Services } from '../../oidc/services.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { describeRules } from './email-link-pages.ts';
import { authRequestOf, type LoginContext, type LoginKit } from './login-kit.ts';
import { LoginPageError, readLoginForm } from './login-page.ts';
import type { Throttles } from '../middleware/rate-limit.ts';
import { refuseOverRegistrationLimit } from './registration-throttle.ts';

const MAX_NAME = 200;
const MAX_EMAIL = 320;
const FIELDS = ['givenName', 'familyName', 'email'] as const;

/**
 * Self-registration (issue 16; ZITADEL's "register" on the login page): where the login policy of the org a user would
 * join sets `allowRegister`, the login-name page offers "Register". The org is the one the request's org scope names,
 * else the instance's default org (as ZITADEL registers into the default org without one). The user's email address
 * is the login name; the address gets a verification email; the org's password complexity applies; the login
 * continues as after a password check (so a forced second factor is set up next).
 */
/**
 * What a registration form shows when the new user was refused as invalid: the reason of a pre-creation action's
 * denial (or the org's username rules), but for an action that failed only "try again later", its reason being for
 * the operator's log, as at login (domain/actions/triggers.ts loginDenial). Null for any other error.
 */
export function creationRefusal(error: unknown): string | null {
  if (!(error instanceof DomainError) || error.kind !== 'invalid') return null;
  return error.detail.actionFailed ? 'The registration could not be completed. Please try again later.' : error.message;
}

export function registrationPages(kit: LoginKit, services: Services, throttles: Throttles) {
  async function targetOrg(login: LoginContext): Promise<LoginOrg | null> {
    return login.scopedOrg ?? (await findOrg(login.tenant.instance._id, login.tenant.instance.defaultOrgId));
  }

  /** Whether the login-name page offers registration: the target org is active and its policy allows it. */
  async function offered(login: LoginContext): Promise<boolean> {
    const org = await targetOrg(login);
    return org?.state === 'active' && policyOf(login.tenant.instance, org).allowRegister;
  }

  async function loadOffered(ctx: Context) {
    const login = await kit.loadContext(ctx);
    const org = await targetOrg(login);
    if (!org || org.state !== 'active' || !policyOf(login.tenant.instance, org).allowRegister)
      throw new LoginPageError(403, 'Registration not possible', 'This organization does not allow registration.');
    return { login: { ...login, policyOrg: org, policy: policyOf(login.tenant.instance, org) }, org };
  }

  function renderForm(ctx: Context, login: LoginContext, status: number, error: string | null, values = {}) {
    kit.render(ctx, login, 'register.njk', status, {
      title: 'Register',
      error,
      rules: describeRules(login.policy),
      values,
    });
  }

  async function show(ctx: Context): Promise<void> {
    const { login } = await loadOffered(ctx);
    renderForm(ctx, login, 200, null);
  }

  async function submit(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const { login, org } = await loadOffered(ctx);
    kit.verifyCsrf(login.interaction.uid, form);
    const values = Object.fromEntries(FIELDS.map((field) => [field, (form.get(field) ?? '').trim()]));
    const { givenName = '', familyName = '', email = '' } = values;
    const password = form.get('password') ?? '';
    const refuse = (message: string) => renderForm(ctx, login, 400, message, values);
    if (!givenName || !familyName || givenName.length > MAX_NAME || familyName.length > MAX_NAME)
      return refuse('Enter your first and last name.');
    if (email.length > MAX_EMAIL || !/^[^\s@]+@[^\s@]+$/.test(email)) return refuse('Enter your email address.');
    if (password !== (form.get('passwordConfirmation') ?? '')) return refuse('The two passwords are not the same.');
    const problems = passwordProblems(password, login.policy.passwordComplexity);
    if (problems.length) return refuse(`The password ${problems.join(', ')}.`);
    const actor = { instanceId: login.tenant.instance._id, actorId: 'self-registration' };
    await refuseOverRegistrationLimit(ctx, throttles, actor.instanceId, email);
    let created;
    try {
      created = await createHumanUser(actor, org._id, {
        username: email,
        email,
        givenName,
        familyName,
        password,
        login: { authRequest: authRequestOf(login) },
      });
    } catch (error) {
      const refusal = creationRefusal(error);
      if (refusal) return refuse(refusal);
      if (error instanceof DomainError && error.kind === 'conflict')
        return renderForm(
          ctx,
          login,
          409,
          'An account with this email address exists already (sign in instead), or it cannot be used here.',
          {
            ...values,
          },
        );
      throw error;
    }
    await sendVerificationAfterCreation({ services, instance: login.tenant.instance }, actor, created);
    const user = await findLoginUser(actor.instanceId, created._id);
    const secondFactor = await secondFactorStepOf(
      actor.instanceId,
      created,
      login.policy,
      login.interaction.params.acr_values,
    );
    await kit.advance(
      ctx,
      { ...login, user },
      { ...emptyProgress(), loginName: email, userId: created._id, amr: ['pwd'], secondFactor },
    );
  }

  /** With `prompt=create`, the login starts on the registration form (where offered): true after redirecting there. */
  async function startsHere(ctx: Context, login: LoginContext): Promise<boolean> {
    const prompts = String(login.interaction.params.prompt ?? '').split(' ');
    if (!prompts.includes('create') || !(await offered(login))) return false;
    ctx.status = 303;
    ctx.redirect(`/ui/login/${login.interaction.uid}/register`);
    return true;
  }

  return {
    offered,
    startsHere,
    addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
      router.get('/register', page(show));
      router.post('/register', page(submit));
    },
  };
}
