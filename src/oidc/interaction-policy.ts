import { interactionPolicy } from 'oidc-provider';
import { sessionNeedsFreshLogin, type LoginInstance } from '../domain/login.ts';
import { sessionMeetsLoginPolicy } from '../domain/second-factor.ts';

const { Check, base } = interactionPolicy;

/**
 * The provider's default prompts (with its `max_age` and `prompt=login` checks), with two more login checks:
 * - a browser session only satisfies a request when its user could log in to it now. A session of org X does not
 *   satisfy a request scoped to org Y, and a user who was deactivated, lost the required grant, or whose org lost the
 *   project grant is sent back to the login page (which then explains why), on every path that reuses a session;
 * - the session's checks are within the login policy's lifetimes, and it used a second factor where one is due (the
 *   user has one, the policy forces MFA, or the request's `acr_values` ask for it: domain/rules/mfa.ts).
 */
export function castellanInteractionPolicy(instance: LoginInstance): interactionPolicy.DefaultPolicy {
  const policy = base();
  const login = policy.get('login')!;
  login.checks.add(
    new Check(
      'castellan_login_requirements',
      'the signed-in user may not use this login request',
      'login_required',
      async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        // Without a session the provider's own `no_session` check already asks for a login.
        if (!accountId || !ctx.oidc.client) return Check.NO_NEED_TO_PROMPT;
        const needsLogin = await sessionNeedsFreshLogin(
          instance._id,
          ctx.oidc.client.clientId,
          ctx.oidc.params?.scope,
          accountId,
        );
        return needsLogin ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  login.checks.add(
    new Check(
      'castellan_authentication_strength',
      'the session does not meet the login policy or the requested authentication',
      'login_required',
      async (ctx) => {
        const session = ctx.oidc.session;
        // Right after a login the session is as fresh and strong as this request asked (the login saw its request).
        if (!session?.accountId || ctx.oidc.result?.login) return Check.NO_NEED_TO_PROMPT;
        const meets = await sessionMeetsLoginPolicy(
          instance,
          session.accountId,
          { amr: session.amr, authTime: session.authTime() },
          ctx.oidc.params?.acr_values,
        );
        return meets ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      },
    ),
  );
  return policy;
}
