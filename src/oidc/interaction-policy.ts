import { interactionPolicy } from 'oidc-provider';
import { sessionNeedsFreshLogin } from '../domain/login.ts';

const { Check, base } = interactionPolicy;

/**
 * The provider's default prompts without the explicit consent prompt (below), with one more login check: a browser
 * session only satisfies a request when its user could log in to it now. A session of org X does not satisfy a
 * request scoped to org Y, and a user who was deactivated, lost the required grant, or whose org lost the project
 * grant is sent back to the login page (which then explains why), on every path that reuses a session.
 */
export function castellanInteractionPolicy(instanceId: string): interactionPolicy.DefaultPolicy {
  const policy = base();
  policy.get('login')!.checks.add(
    new Check(
      'castellan_login_requirements',
      'the signed-in user may not use this login request',
      'login_required',
      async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        // Without a session the provider's own `no_session` check already asks for a login.
        if (!accountId || !ctx.oidc.client) return Check.NO_NEED_TO_PROMPT;
        const needsLogin = await sessionNeedsFreshLogin(
          instanceId,
          ctx.oidc.client.clientId,
          ctx.oidc.params?.scope,
          accountId,
        );
        return needsLogin ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  // prompt=consent is accepted and satisfied without a page: every application is first-party and its consent is
  // granted with the login (oidc/grants.ts), as in ZITADEL, whose login has no consent step for any prompt
  // (internal/auth/repository/eventsourcing/eventstore/auth_request.go, nextSteps). The provider's check would ask
  // for a consent the login UI never gives, and the login would start again forever. The prompt still keeps
  // `offline_access` (OpenID Connect Core 1.0 §11, lib/actions/authorization/scopes.js).
  policy.get('consent')!.checks.remove('consent_prompt');
  return policy;
}
