import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { instanceSettings } from '../../domain/commands/instance-settings.ts';
import { signUpOrg, type OrgSignUp } from '../../domain/commands/org-signup.ts';
import { DomainError } from '../../domain/errors.ts';
import { emailDeliveryAvailable } from '../../domain/emails.ts';
import { findLoginUser, policyOf } from '../../domain/login.ts';
import { emptyProgress } from '../../domain/rules/login-steps.ts';
import { passwordProblems } from '../../domain/rules/password-complexity.ts';
import { secondFactorStepOf } from '../../domain/second-factor.ts';
import { renderInstancePage } from '../instance-page.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import type { Throttles } from '../middleware/rate-limit.ts';
import { describeRules } from './email-link-pages.ts';
import type { LoginContext, LoginKit } from './login-kit.ts';
import { LoginPageError, loginPage, readLoginForm } from './login-page.ts';
import { refuseOverRegistrationLimit } from './registration-throttle.ts';

const MAX_NAME = 200;
const MAX_EMAIL = 320;
const MAX_PASSWORD = 1024;
const TEXT_FIELDS = ['orgName', 'givenName', 'familyName', 'email'] as const;
/** ZITADEL's path for its org registration page (docs: "Register organization", /ui/login/register/org). */
export const ORG_SIGN_UP_PATH = '/ui/login/register/org';

type Values = Record<string, string>;
/** A refusal of the form: the message, the field it is about (for the error next to it) and the status. */
interface Refusal {
  status: number;
  field: string | null;
  message: string;
}

/** Reads and checks the form under the instance's default password complexity (the new org has no policy yet). */
function readSignUp(form: URLSearchParams, tenant: Tenant): { values: Values; input?: OrgSignUp; refusal?: Refusal } {
  const values = Object.fromEntries(TEXT_FIELDS.map((field) => [field, (form.get(field) ?? '').trim()]));
  const { orgName = '', givenName = '', familyName = '' } = values;
  const email = (values.email ?? '').toLowerCase();
  const password = (form.get('password') ?? '').slice(0, MAX_PASSWORD);
  const refuse = (field: string | null, message: string) => ({ values, refusal: { status: 400, field, message } });
  if (!orgName || orgName.length > MAX_NAME) return refuse('orgName', 'Enter the name of your organization.');
  if (!givenName || !familyName || givenName.length > MAX_NAME || familyName.length > MAX_NAME)
    return refuse('givenName', 'Enter your first and last name.');
  if (email.length > MAX_EMAIL || !/^[^\s@]+@[^\s@]+$/.test(email)) return refuse('email', 'Enter your email address.');
  if (password !== (form.get('passwordConfirmation') ?? '')) return refuse('password', 'The two passwords differ.');
  const problems = passwordProblems(password, policyOf(tenant.instance, null).passwordComplexity);
  if (problems.length) return refuse('password', `The password ${problems.join(', ')}.`);
  return { values, input: { orgName, givenName, familyName, email, password } };
}

/** Whether the instance offers org sign-up: switched on, and able to send the owner's verification email. */
async function signUpOpen(services: Services, instanceId: string): Promise<boolean> {
  if (!(await instanceSettings(instanceId)).features.orgSignUp) return false;
  return emailDeliveryAvailable(services.config, instanceId);
}

const CLOSED = new LoginPageError(403, 'Sign-up not possible', 'This service does not offer creating organizations.');

/**
 * Signs up (throttled per IP address and per email address, http/login/registration-throttle.ts) and answers the
 * new org and owner, or the refusal to show on the form (a name or address taken is a 409 next to its field).
 */
async function submitSignUp(ctx: Context, services: Services, throttles: Throttles, form: URLSearchParams) {
  const { tenant } = ctx.state as { tenant: Tenant };
  const read = readSignUp(form, tenant);
  if (!read.input) return { values: read.values, refusal: read.refusal! };
  await refuseOverRegistrationLimit(ctx, throttles, tenant.instance._id, read.input.email);
  try {
    const created = await signUpOrg({ services, instance: tenant.instance }, tenant.instance, read.input);
    return { values: read.values, created };
  } catch (error) {
    if (!(error instanceof DomainError && error.kind === 'conflict')) throw error;
    const field = typeof error.detail.field === 'string' ? error.detail.field : null;
    // Nothing typed is lost: the password was accepted, so it is filled in again too (the page is not stored).
    const values = { ...read.values, password: read.input.password };
    return { values, refusal: { status: 409, field, message: error.message } };
  }
}

function formContext(tenant: Tenant, values: Values, refusal: Refusal | null) {
  return {
    title: 'Create your organization',
    rules: describeRules(policyOf(tenant.instance, null)),
    values,
    error: refusal?.message ?? null,
    errorField: refusal?.field ?? null,
  };
}

/** Org sign-up within a login (`/ui/login/{uid}/org-signup`): the new owner's login continues (email code first). */
export function orgSignUpPages(kit: LoginKit, services: Services, throttles: Throttles) {
  /** Offered on a login that no org scope restricts (a new org could not satisfy it). */
  async function offered(login: LoginContext): Promise<boolean> {
    return !login.scopedOrg && (await signUpOpen(services, login.tenant.instance._id));
  }

  async function loadOffered(ctx: Context): Promise<LoginContext> {
    const login = await kit.loadContext(ctx);
    if (!(await offered(login))) throw CLOSED;
    return login;
  }

  function renderForm(ctx: Context, login: LoginContext, status: number, values: Values, refusal: Refusal | null) {
    kit.render(ctx, login, 'org-signup.njk', status, {
      ...formContext(login.tenant, values, refusal),
      action: `/ui/login/${login.interaction.uid}/org-signup`,
      backUrl: `/ui/login/${login.interaction.uid}`,
    });
  }

  async function show(ctx: Context): Promise<void> {
    renderForm(ctx, await loadOffered(ctx), 200, {}, null);
  }

  async function submit(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await loadOffered(ctx);
    kit.verifyCsrf(login.interaction.uid, form);
    const result = await submitSignUp(ctx, services, throttles, form);
    if (!result.created) return renderForm(ctx, login, result.refusal.status, result.values, result.refusal);
    const { org, user: created } = result.created;
    const instanceId = login.tenant.instance._id;
    const policy = policyOf(login.tenant.instance, org);
    const user = await findLoginUser(instanceId, created._id);
    const secondFactor = await secondFactorStepOf(instanceId, created, policy, login.interaction.params.acr_values);
    await kit.advance(
      ctx,
      { ...login, user, policyOrg: org, policy },
      { ...emptyProgress(), loginName: created.username, userId: created._id, amr: ['pwd'], secondFactor },
    );
  }

  return {
    offered,
    addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
      router.get('/org-signup', page(show));
      router.post('/org-signup', page(submit));
    },
  };
}

/**
 * Org sign-up by a stable URL outside any login (ZITADEL's /ui/login/register/org): the owner verifies the address
 * by the emailed link and then signs in from an application. The form has no CSRF token: it signs nobody in, and
 * creates only what its sender could create by submitting it themselves.
 */
export function orgSignUpRoutes(services: Services, throttles: Throttles): Router {
  async function requireOpen(ctx: Context): Promise<Tenant> {
    const { tenant } = ctx.state as { tenant: Tenant };
    if (!(await signUpOpen(services, tenant.instance._id))) throw CLOSED;
    return tenant;
  }

  async function show(ctx: Context): Promise<void> {
    const tenant = await requireOpen(ctx);
    renderInstancePage(ctx, 'org-signup.njk', 200, { ...formContext(tenant, {}, null), action: ORG_SIGN_UP_PATH });
  }

  async function submit(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const tenant = await requireOpen(ctx);
    const result = await submitSignUp(ctx, services, throttles, form);
    if (!result.created)
      return renderInstancePage(ctx, 'org-signup.njk', result.refusal.status, {
        ...formContext(tenant, result.values, result.refusal),
        action: ORG_SIGN_UP_PATH,
      });
    renderInstancePage(ctx, 'message.njk', 201, {
      title: 'Check your email',
      message:
        `${result.created.org.name} is created and you are its owner. We sent a link to ` +
        `${result.created.user.human?.email ?? ''}: verify your address with it, then sign in from your application.`,
    });
  }

  const router = new Router();
  const wrap = (handler: (ctx: Context) => Promise<void>) => loginPage(services.log, handler);
  router.get(ORG_SIGN_UP_PATH, wrap(show));
  router.post(ORG_SIGN_UP_PATH, wrap(submit));
  return router;
}
