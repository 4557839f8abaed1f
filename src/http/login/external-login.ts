import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { loginDenial } from '../../domain/actions/triggers.ts';
import {
  createExternalUser,
  externalContextOf,
  linkUser,
  namesOf,
  profileOf,
  resolveExternalUser,
} from '../../domain/external-users.ts';
import { beginFederation, keepFederatedIdentity, takeFederatedIdentity } from '../../domain/federation-state.ts';
import { FederationError, type ExternalIdentity } from '../../domain/federation/protocol.ts';
import { DomainError } from '../../domain/errors.ts';
import { findUser } from '../../domain/commands/users.ts';
import { instanceSettings } from '../../domain/commands/instance-settings.ts';
import { findLoginUser, policyOf } from '../../domain/login.ts';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import { externalAmr } from '../../domain/rules/external-profile.ts';
import { emptyProgress } from '../../domain/rules/login-steps.ts';
import { parseReservedScopes } from '../../domain/rules/scopes.ts';
import { secondFactorStepOf } from '../../domain/second-factor.ts';
import type { Services } from '../../oidc/services.ts';
import type { IdentityProviderDocument } from '../../store/models/identity-provider.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { recordEvent } from '../../store/queries/events.ts';
import { identityProvidersForOrg } from '../../store/queries/identity-providers.ts';
import { authRequestOf, type LoginContext, type LoginKit } from './login-kit.ts';
import { LoginPageError, readLoginForm } from './login-page.ts';
import { writeProgress } from './progress.ts';
import { creationRefusal } from './registration.ts';

const MAX_FIELD = 200;
const MAX_EMAIL = 320;
const EXPIRED = 'This sign-in through the identity provider expired or was already completed. Please start again.';

/** An IdP button of the login-name page. */
export interface IdpButton {
  name: string;
  url: string;
}

/** The IdPs the login offers: those its policy lists (with `allowExternalIdp`) that the policy's org may offer. */
export function offeredIdps(login: LoginContext): Promise<IdentityProviderDocument[]> {
  const ids = login.policy.allowExternalIdp ? login.policy.idps : [];
  return identityProvidersForOrg(login.tenant.instance._id, login.policyOrg?._id ?? null, ids);
}

const startUrl = (login: LoginContext, idpId: string) => `/ui/login/${login.interaction.uid}/idp/${idpId}/start`;

/**
 * The login through external identity providers (issue 17): the buttons, the start of a round trip, and what follows
 * the callback (http/login/federation-callbacks.ts): the linked user, a user found by verified email and linked, a
 * user created just in time, the pre-filled registration form, or a password login that links the identity.
 */
export function externalLoginPages(kit: LoginKit, services: Services) {
  const back = (login: LoginContext) => `/ui/login/${login.interaction.uid}`;

  async function buttons(login: LoginContext): Promise<IdpButton[]> {
    return (await offeredIdps(login)).map((idp) => ({ name: idp.name, url: startUrl(login, idp._id) }));
  }

  /**
   * Sends the browser straight to an IdP, when the request names one (`urn:zitadel:iam:org:idp:id:{id}`, which must be
   * offered here; one that is not is ignored when the instance reads the IdP scope leniently) or the login offers
   * exactly one and no password login: true after redirecting.
   */
  async function goesStraightToIdp(ctx: Context, login: LoginContext): Promise<boolean> {
    const requested = parseReservedScopes(String(login.interaction.params.scope ?? '')).idpIds;
    const offered = await offeredIdps(login);
    let target: IdentityProviderDocument | undefined;
    if (requested.length) {
      target = offered.find((idp) => requested.includes(idp._id));
      if (!target && (await instanceSettings(login.tenant.instance._id)).strictReservedScopes.idpId)
        throw new LoginPageError(403, 'Sign-in not possible', 'The requested identity provider is not offered here.');
    } else if (!login.policy.allowUsernamePassword && offered.length === 1) target = offered[0];
    if (!target) return false;
    ctx.status = 303;
    ctx.redirect(startUrl(login, target._id));
    return true;
  }

  async function start(ctx: Context): Promise<void> {
    const login = await kit.loadContext(ctx);
    const idp = (await offeredIdps(login)).find((candidate) => candidate._id === ctx.params.idpId);
    if (!idp) throw new LoginPageError(404, 'Sign-in not possible', 'This identity provider is not offered here.');
    const instance = login.tenant.instance;
    let request;
    try {
      request = await beginFederation({
        masterKey: services.masterKey,
        issuer: instance.issuer,
        idp,
        uid: ctx.params.uid!,
      });
    } catch (error) {
      if (!(error instanceof FederationError)) throw error;
      await recordEvent({
        instanceId: instance._id,
        orgId: idp.orgId ?? null,
        actorId: 'external-idp',
        type: 'user.idp.login.failed',
        resourceType: 'idp',
        resourceId: idp._id,
        payload: { reason: error.reason, interaction: login.interaction.uid },
      });
      throw new LoginPageError(502, 'Identity provider unavailable', error.message, back(login));
    }
    if (request.kind === 'redirect') {
      ctx.status = 303;
      ctx.redirect(request.url);
      return;
    }
    kit.render(ctx, login, 'federation-post.njk', 200, {
      title: 'Continue',
      action: request.url,
      fields: request.fields,
    });
  }

  /** Logs in as `user` after the upstream's answer: the usual checks, a second factor unless `forceMfaLocalOnly`. */
  async function continueAs(
    ctx: Context,
    login: LoginContext,
    idp: IdentityProviderDocument,
    identity: ExternalIdentity,
    user: UserDocument,
  ) {
    const instanceId = login.tenant.instance._id;
    if (login.scopedOrg && user.orgId !== login.scopedOrg._id)
      throw new LoginPageError(403, 'Sign-in not possible', LOGIN_MESSAGES.notAllowedOrg, back(login));
    if (user.state !== 'active')
      throw new LoginPageError(403, 'Sign-in not possible', LOGIN_MESSAGES.userInactive, back(login));
    const denial = await loginDenial(instanceId, 'post-authentication', user, {
      external: externalContextOf(idp, identity),
      authRequest: authRequestOf(login),
    });
    if (denial) throw new LoginPageError(403, 'Sign-in not possible', denial, back(login));
    const loginUser = await findLoginUser(instanceId, user._id);
    const policyOrg = login.scopedOrg ?? (await findOrg(instanceId, user.orgId));
    const policy = policyOf(login.tenant.instance, policyOrg);
    const secondFactor = policy.forceMfaLocalOnly
      ? null
      : await secondFactorStepOf(instanceId, loginUser!, policy, login.interaction.params.acr_values);
    await kit.advance(
      ctx,
      { ...login, user: loginUser, policyOrg, policy },
      {
        ...emptyProgress(),
        userId: user._id,
        loginName: user.username,
        amr: externalAmr(identity, idp.options?.trustUpstreamAmr ?? false),
        secondFactor,
      },
    );
  }

  function renderRegistration(ctx: Context, login: LoginContext, status: number, error: string | null, values: object) {
    kit.render(ctx, login, 'idp-register.njk', status, { title: 'Create your account', error, values });
  }

  /** The org a new user joins: the IdP's own org, else the org of the request, else the instance's default org. */
  function targetOrgId(login: LoginContext, idp: IdentityProviderDocument): string {
    return idp.orgId ?? login.scopedOrg?._id ?? login.policyOrg?._id ?? login.tenant.instance.defaultOrgId;
  }

  async function continueAfterCallback(ctx: Context): Promise<void> {
    const login = await kit.loadContext(ctx);
    const instanceId = login.tenant.instance._id;
    const taken = await takeFederatedIdentity(instanceId, login.interaction.uid, String(ctx.query.handle ?? ''));
    if (!taken) throw new LoginPageError(400, 'Sign-in expired', EXPIRED, back(login));
    const { idp, identity } = taken;
    if (idp.orgId && login.scopedOrg && idp.orgId !== login.scopedOrg._id)
      throw new LoginPageError(403, 'Sign-in not possible', LOGIN_MESSAGES.notAllowedOrg, back(login));
    const outcome = await resolveExternalUser(idp, identity, targetOrgId(login, idp), authRequestOf(login)).catch(
      (error: unknown) => {
        // A just-in-time user refused by a pre-creation action: a readable page, as a refused login.
        const refusal = creationRefusal(error);
        if (refusal) throw new LoginPageError(403, 'Sign-in not possible', refusal, back(login));
        throw error;
      },
    );
    if (outcome.kind === 'user') return continueAs(ctx, login, idp, identity, outcome.user);
    if (outcome.kind === 'refused') throw new LoginPageError(403, 'Sign-in not possible', outcome.message, back(login));
    const handle = await keepFederatedIdentity(instanceId, login.interaction.uid, idp._id, identity);
    if (outcome.kind === 'register') {
      const { profile } = outcome;
      const values = { ...namesOf(profile), email: profile.email ?? '', username: profile.username ?? '', handle };
      return renderRegistration(ctx, login, 200, null, values);
    }
    if (!login.policy.allowUsernamePassword)
      throw new LoginPageError(403, 'Sign-in not possible', outcome.message, back(login));
    writeProgress(ctx, login.interaction.uid, { ...emptyProgress(), pendingLink: handle });
    kit.render(ctx, login, 'login-name.njk', 200, {
      title: 'Sign in to link your account',
      notice: `${outcome.message} Sign in with your password to link it to ${idp.name}.`,
      passwordLoginAllowed: true,
      loginName: profileOf(idp, identity).email ?? '',
      error: null,
      idpButtons: [],
    });
  }

  async function submitRegistration(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadContext(ctx);
    kit.verifyCsrf(login.interaction.uid, form);
    const instanceId = login.tenant.instance._id;
    const taken = await takeFederatedIdentity(instanceId, login.interaction.uid, form.get('handle') ?? '');
    if (!taken) throw new LoginPageError(400, 'Sign-in expired', EXPIRED, back(login));
    const { idp, identity } = taken;
    const fields = {
      username: (form.get('username') ?? '').trim().toLowerCase(),
      email: (form.get('email') ?? '').trim().toLowerCase(),
      givenName: (form.get('givenName') ?? '').trim(),
      familyName: (form.get('familyName') ?? '').trim(),
    };
    const refuse = async (status: number, message: string) => {
      const handle = await keepFederatedIdentity(instanceId, login.interaction.uid, idp._id, identity);
      return renderRegistration(ctx, login, status, message, { ...fields, handle });
    };
    if (
      !fields.givenName ||
      !fields.familyName ||
      fields.givenName.length > MAX_FIELD ||
      fields.familyName.length > MAX_FIELD
    )
      return refuse(400, 'Enter your first and last name.');
    if (fields.email.length > MAX_EMAIL || !/^[^\s@]+@[^\s@]+$/.test(fields.email))
      return refuse(400, 'Enter your email address.');
    if (!/^[a-z0-9._@+-]{1,200}$/.test(fields.username))
      return refuse(400, 'Choose a username of letters, digits and ._@+-.');
    let user;
    try {
      user = await createExternalUser(idp, identity, targetOrgId(login, idp), fields, authRequestOf(login));
    } catch (error) {
      const refusal = creationRefusal(error);
      if (refusal) return refuse(400, refusal);
      if (error instanceof DomainError && error.kind === 'conflict')
        return refuse(409, 'This username is taken. Choose another one.');
      throw error;
    }
    await continueAs(ctx, login, idp, identity, user);
  }

  return {
    buttons,
    goesStraightToIdp,
    addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
      router.get('/idp/:idpId/start', page(start));
      router.get('/idp-continue', page(continueAfterCallback));
      router.post('/idp-register', page(submitRegistration));
    },
  };
}

/**
 * Links the identity a login kept (`pendingLink`) to the user who just signed in with their password (issue 17: linking
 * after a local login). An identity linked to someone else meanwhile refuses the login.
 */
export async function linkPendingIdentity(instanceId: string, uid: string, handle: string, userId: string) {
  const taken = await takeFederatedIdentity(instanceId, uid, handle);
  if (!taken) throw new LoginPageError(400, 'Sign-in expired', EXPIRED, `/ui/login/${uid}`);
  const user = await findUser(instanceId, userId);
  try {
    if (user) await linkUser(taken.idp, taken.identity, user);
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'conflict')
      throw new LoginPageError(409, 'Not linked', 'This identity is linked to another account already.');
    throw error;
  }
}
