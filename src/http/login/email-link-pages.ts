import Router from '@koa/router';
import type { Context } from 'koa';
import { resetPasswordWithCode, verifyUserEmail, type EmailFlow } from '../../domain/commands/user-email.ts';
import { acceptInvitation } from '../../domain/commands/user-invitation.ts';
import { findUser } from '../../domain/commands/users.ts';
import { useCode } from '../../domain/codes.ts';
import { DomainError } from '../../domain/errors.ts';
import { policyOf } from '../../domain/login.ts';
import { brandingFrom } from '../../domain/rules/branding.ts';
import { EMAIL_LINK_PATHS, type LinkPurpose } from '../../domain/rules/email-links.ts';
import type { LoginPolicy } from '../../domain/rules/login-policy.ts';
import { passwordProblems } from '../../domain/rules/password-complexity.ts';
import { endAccountSessions } from '../../oidc/session-termination.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { renderView } from '../../platform/templates.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { LoginPageError, loginPage, readLoginForm } from './login-page.ts';
import { reusesAgedPassword } from '../../domain/password-reuse.ts';

const MAX_FIELD = 1024;

export const INVALID_LINK_MESSAGE =
  'This link is invalid, has expired or was already used. Ask for a new email and use the link in the newest one.';

/** Who a link is for and what their org's policy is; `user` null when the link names nobody. */
interface LinkTarget {
  tenant: Tenant;
  userId: string;
  code: string;
  user: UserDocument | null;
  policy: LoginPolicy;
  brandName: string;
}

/**
 * The pages the links in Castellan's emails lead to (domain/rules/email-links.ts, issue 16): a new password after a
 * reset, a first password from an invitation, and the verification of an address. Opening a link changes nothing
 * (mail scanners open links); the form on the page does, with the code it carries. Every refusal of a code is the
 * same readable page (400), whatever the reason (wrong, expired, used, another user's or purpose's), after the same
 * checking work as a right code (domain/codes.ts: constant-time comparison, throttled per user, 429 past the limit).
 */
export function emailLinkRoutes(services: Services): Router {
  async function loadTarget(ctx: Context, fields: URLSearchParams): Promise<LinkTarget> {
    const { tenant } = ctx.state as { tenant: Tenant };
    const userId = (fields.get('userId') ?? '').slice(0, MAX_FIELD);
    const code = (fields.get('code') ?? '').slice(0, MAX_FIELD);
    const user = userId ? await findUser(tenant.instance._id, userId) : null;
    const human = user?.human ? user : null;
    const org = human ? await findOrg(tenant.instance._id, human.orgId) : null;
    return {
      tenant,
      userId,
      code,
      user: human,
      policy: policyOf(tenant.instance, org),
      brandName: org?.name ?? tenant.instance.name,
    };
  }

  function render(ctx: Context, target: LinkTarget, view: string, status: number, context: Record<string, unknown>) {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    // The code is in the URL: no referrer may carry it to another site (the page has no outside links anyway).
    ctx.set('referrer-policy', 'no-referrer');
    ctx.body = renderView(ctx.res, view, {
      branding: brandingFrom(target.policy, target.brandName),
      userId: target.userId,
      code: target.code,
      ...context,
    });
  }

  const flowOf = (target: LinkTarget): EmailFlow => ({ services, instance: target.tenant.instance });
  const actorOf = (target: LinkTarget) => ({ instanceId: target.tenant.instance._id, actorId: target.userId });

  /**
   * Runs `use` (which checks the code first), turning a refused code into the readable page. A link naming no user
   * still costs a code check (and counts towards the throttle), so it reads and takes as long as a wrong code.
   */
  async function withCode(target: LinkTarget, purpose: LinkPurpose, use: (user: UserDocument) => Promise<unknown>) {
    try {
      if (!target.user)
        await useCode(services, target.tenant.instance._id, target.userId || '-', purpose, '', target.code || '-');
      else await use(target.user);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.kind === 'throttled')
        throw new LoginPageError(429, 'Too many attempts', 'Too many wrong links or codes. Please try again later.');
      throw new LoginPageError(400, 'Link not valid', INVALID_LINK_MESSAGE);
    }
  }

  const PASSWORD_PAGES = {
    passwordReset: {
      title: 'Set a new password',
      done:
        'Your password has been changed and every session signed in with the old one has ended. Return to the ' +
        'application and sign in with your new password.',
      apply: async (target: LinkTarget, user: UserDocument, password: string) => {
        await resetPasswordWithCode(flowOf(target), actorOf(target), user, target.code, password);
        // A reset is what a user does when someone else may know the password: every session of theirs ends.
        await endAccountSessions(target.tenant.provider, target.tenant.instance._id, user._id);
      },
    },
    invitation: {
      title: 'Set your password',
      done: 'Your password is set and your email address is verified. Return to the application and sign in.',
      apply: (target: LinkTarget, user: UserDocument, password: string) =>
        acceptInvitation(flowOf(target), actorOf(target), user, target.code, password),
    },
  } as const;

  function passwordPage(purpose: keyof typeof PASSWORD_PAGES) {
    const page = PASSWORD_PAGES[purpose];
    const renderForm = (ctx: Context, target: LinkTarget, status: number, error: string | null) =>
      render(ctx, target, 'set-password.njk', status, {
        title: page.title,
        action: EMAIL_LINK_PATHS[purpose],
        error,
        rules: describeRules(target.policy),
      });
    return {
      show: async (ctx: Context) => renderForm(ctx, await loadTarget(ctx, ctx.URL.searchParams), 200, null),
      submit: async (ctx: Context) => {
        const form = await readLoginForm(ctx);
        const target = await loadTarget(ctx, form);
        const password = form.get('password') ?? '';
        if (password !== (form.get('passwordConfirmation') ?? ''))
          return renderForm(ctx, target, 400, 'The two passwords are not the same.');
        // Checked before the code is used, so a password the policy refuses leaves the link usable.
        const problems = passwordProblems(password, target.policy.passwordComplexity);
        if (problems.length) return renderForm(ctx, target, 400, `The password ${problems.join(', ')}.`);
        // Under a password age policy the new password must be another one (it resets the age).
        if (await reusesAgedPassword(target.policy, target.user?.human?.passwordHash, password))
          return renderForm(ctx, target, 400, 'Choose a password different from your current one.');
        await withCode(target, purpose, (user) => page.apply(target, user, password));
        render(ctx, target, 'message.njk', 200, { title: page.title, message: page.done });
      },
    };
  }

  async function showVerification(ctx: Context): Promise<void> {
    const target = await loadTarget(ctx, ctx.URL.searchParams);
    render(ctx, target, 'verify-email.njk', 200, {
      title: 'Verify your email address',
      action: EMAIL_LINK_PATHS.emailVerification,
    });
  }

  async function submitVerification(ctx: Context): Promise<void> {
    const target = await loadTarget(ctx, await readLoginForm(ctx));
    await withCode(target, 'emailVerification', (user) =>
      verifyUserEmail(flowOf(target), actorOf(target), user, target.code),
    );
    render(ctx, target, 'message.njk', 200, {
      title: 'Email address verified',
      message: 'Your email address is verified. You can close this page.',
    });
  }

  const router = new Router();
  const wrap = (handler: (ctx: Context) => Promise<void>) => loginPage(services.log, handler);
  for (const purpose of ['passwordReset', 'invitation'] as const) {
    const { show, submit } = passwordPage(purpose);
    router.get(EMAIL_LINK_PATHS[purpose], wrap(show));
    router.post(EMAIL_LINK_PATHS[purpose], wrap(submit));
  }
  router.get(EMAIL_LINK_PATHS.emailVerification, wrap(showVerification));
  router.post(EMAIL_LINK_PATHS.emailVerification, wrap(submitVerification));
  return router;
}

/** The complexity rules as a sentence, shown before the user types (WCAG 3.3.2, labels or instructions). */
export function describeRules(policy: LoginPolicy): string {
  const rules = policy.passwordComplexity;
  const parts = [`at least ${rules.minLength} characters`];
  if (rules.requireUppercase) parts.push('an uppercase letter');
  if (rules.requireLowercase) parts.push('a lowercase letter');
  if (rules.requireNumber) parts.push('a number');
  if (rules.requireSymbol) parts.push('a symbol');
  return `Use ${parts.join(', ')}.`;
}
