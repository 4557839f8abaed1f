import { errors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { rememberedAccounts } from '../domain/browser-logins.ts';
import { resolveRequiredOrg, sessionNeedsFreshLogin, type LoginInstance } from '../domain/login.ts';
import { sessionMeetsLoginPolicy } from '../domain/second-factor.ts';
import { readBrowserId } from './browser-id.ts';

const { Check, Prompt, base } = interactionPolicy;

/**
 * The provider's default prompts (with its `max_age` and `prompt=login` checks) without the explicit consent prompt
 * (below), with two more login checks:
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
  // prompt=consent is accepted and satisfied without a page: every application is first-party and its consent is
  // granted with the login (oidc/grants.ts), as in ZITADEL, whose login has no consent step for any prompt
  // (internal/auth/repository/eventsourcing/eventstore/auth_request.go, nextSteps). The provider's check would ask
  // for a consent the login UI never gives, and the login would start again forever. The prompt still keeps
  // `offline_access` (OpenID Connect Core 1.0 §11, lib/actions/authorization/scopes.js).
  policy.get('consent')!.checks.remove('consent_prompt');
  failWhenLoginCannotSatisfy(login);
  policy.add(selectAccountPrompt(instance), 0);
  policy.add(createPrompt(), 0);
  return policy;
}

/**
 * prompt=select_account (OpenID Connect Core 1.0 §3.1.2.1): requestable, answered by the login's account chooser
 * (http/login/account-selection.ts), whose result names it. As in ZITADEL's login (internal/auth/repository/
 * eventsourcing/eventstore/auth_request.go `nextSteps`), the chooser also answers a request without any `prompt`
 * when the browser keeps logins of several accounts (of the requested org, oidc/browser-logins.ts); a request naming
 * its user (`login_hint`, `id_token_hint`) or keeping one account goes on as before.
 */
function selectAccountPrompt(instance: LoginInstance): interactionPolicy.Prompt {
  const selectAccount = new Prompt({ name: 'select_account', requestable: true });
  selectAccount.checks.add(
    new Check(
      'castellan_several_accounts',
      'several accounts are signed in in this browser',
      'account_selection_required',
      async (ctx) => {
        const params = ctx.oidc.params ?? {};
        if (ctx.oidc.result || params.prompt !== undefined || params.login_hint || params.id_token_hint)
          return Check.NO_NEED_TO_PROMPT;
        const browserId = readBrowserId(ctx);
        if (!browserId) return Check.NO_NEED_TO_PROMPT;
        const required = await resolveRequiredOrg(instance._id, params.scope);
        // A request naming an unknown org goes to the login page, which explains.
        if (!required.ok) return Check.NO_NEED_TO_PROMPT;
        const accounts = await rememberedAccounts(instance._id, browserId, required.org?._id ?? null);
        return accounts.length > 1 ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  return selectAccount;
}

/**
 * `prompt=create` (OpenID Connect Prompt Create 1.0 §4, "Initiating User Registration via OpenID Connect"): accepted
 * (oidc-provider 9's discovery lists no prompt values); it sends the browser to the login pages, which open the
 * registration form where the org's policy allows it (http/login/registration.ts), even over an existing session. The
 * library's own check would ask again after the registration finished (the interaction's result has no `create`
 * entry), so the prompt is requested only on the way in, never when the request resumes from the login pages.
 */
function createPrompt(): interactionPolicy.Prompt {
  const create = new Prompt({ name: 'create', requestable: true });
  create.checks.remove('create_prompt');
  create.checks.add(
    new Check('create_requested', 'the client asked for the registration form', 'interaction_required', (ctx) =>
      ctx.oidc.prompts.has('create') && !ctx.oidc.result ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
  );
  return create;
}

/**
 * Login checks of the `claims` request parameter (OpenID Connect Core 1.0 §5.5.1) that a login on Castellan's pages
 * may not satisfy: an essential `acr` the login did not reach, a `sub` value naming another user than the one who
 * signed in. The provider asks for a login again and again (each finished login resumes into the same check); once
 * a login has finished in this request, the answer is an error to the client instead: `unmet_authentication_
 * requirements` for the acr (§5.5.1.1: a failed authentication; OpenID Connect Core Unmet Authentication
 * Requirements 1.0), `access_denied` for the subject.
 */
function failWhenLoginCannotSatisfy(loginPrompt: interactionPolicy.Prompt): void {
  const failures: Record<string, () => Error> = {
    essential_acrs: () => new errors.UnmetAuthenticationRequirements('none of the requested ACRs could be obtained'),
    essential_acr: () => new errors.UnmetAuthenticationRequirements('the requested ACR could not be obtained'),
    claims_id_token_sub_value: () => new errors.AccessDenied('the user who signed in is not the requested subject'),
  };
  for (const [reason, failure] of Object.entries(failures)) {
    const check = loginPrompt.checks.get(reason);
    // Written against oidc-provider 9.13.3's login prompt (lib/helpers/interaction_policy/prompts/login.js).
    if (!check) throw new Error(`oidc-provider's login prompt has no ${reason} check any more`);
    const unsatisfied = check.check;
    check.check = async (ctx: KoaContextWithOIDC) => {
      const promptAgain = await unsatisfied(ctx);
      if (promptAgain && ctx.oidc.result?.login) throw failure();
      return promptAgain;
    };
  }
}
