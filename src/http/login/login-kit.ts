import type { Context } from 'koa';
import type { Interaction } from 'oidc-provider';
import type { LoginOrg, LoginUser } from '../../domain/login.ts';
import { authRequestView } from '../../domain/rules/action-context.ts';
import type { LoginPolicy } from '../../domain/rules/login-policy.ts';
import { enrollableSecondFactors } from '../../domain/rules/mfa.ts';
import type { LoginProgress, StepName } from '../../domain/rules/login-steps.ts';
import type { NewEvent, RequestOrigin } from '../../store/queries/events.ts';
import type { Tenant } from '../../oidc/tenants.ts';

/** One login request as its pages see it (http/login/interaction.ts builds it). */
export interface LoginContext {
  tenant: Tenant;
  /** The provider's interaction, read once per request: its `uid` names the login, `params` the request. */
  interaction: Interaction;
  /** The org the request is restricted to by its org scope (not by discovery). */
  scopedOrg: LoginOrg | null;
  progress: LoginProgress;
  user: LoginUser | null;
  /** The org whose policy and branding apply: the required org, else the user's org, else none (instance). */
  policyOrg: LoginOrg | null;
  policy: LoginPolicy;
  loginHint: string | null;
  /** Read only to be shown (`LoadOptions.forDisplay`): maybe this process's recent copy, read again to be written. */
  interactionForDisplay?: boolean;
}

/**
 * How a request reads the login's user: fresh by default. `cachedUser`: through the per-instance cache, for a step
 * that nothing earlier in the login wrote the user for (the second factor's check, after the password's).
 */
export interface LoadOptions {
  cachedUser?: boolean;
  /**
   * The interaction may be the copy this process stored or read last (oidc/interaction-adapter.ts): for a request that
   * shows the login (the login name page, the answer to a login name), not one that writes it.
   */
  forDisplay?: boolean;
}

/** What the pages of one step need from the login: its context, rendering, and moving on. */
export interface LoginKit {
  loadContext(ctx: Context, options?: LoadOptions): Promise<LoginContext>;
  /** The login when `step` is reachable (earlier steps done), else null after redirecting to the login's start. */
  loadStep(ctx: Context, step: StepName, options?: LoadOptions): Promise<LoginContext | null>;
  render(ctx: Context, login: LoginContext, view: string, status: number, context: Record<string, unknown>): void;
  /** `checks`: audit events of the checks just passed, recorded with the login's success where it finishes here. */
  advance(ctx: Context, login: LoginContext, progress: LoginProgress, checks?: readonly NewEvent[]): Promise<void>;
  verifyCsrf(uid: string, form: URLSearchParams): void;
  origin(ctx: Context, login: LoginContext): RequestOrigin;
}

/** What the login's forced set-up may offer its user (rules/mfa.ts): codes by email need a verified address. */
export function enrollableOf(login: LoginContext): ReturnType<typeof enrollableSecondFactors> {
  return enrollableSecondFactors(login.policy, login.user?.human?.emailVerified === true);
}

/** The login's authorization request as action scripts read it (`ctx.v1.authRequest`). */
export function authRequestOf(login: LoginContext): Record<string, unknown> {
  return authRequestView(login.interaction.uid, login.interaction.params);
}
