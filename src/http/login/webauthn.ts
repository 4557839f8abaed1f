import type Router from '@koa/router';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context, Middleware } from 'koa';
import { findLoginUser, policyOf } from '../../domain/login.ts';
import { emptyProgress } from '../../domain/rules/login-steps.ts';
import { loginDenial } from '../../domain/actions/triggers.ts';
import { passkeyLoginAllowed, secondFactorAllowed } from '../../domain/rules/webauthn.ts';
import {
  beginWebauthnAuthentication,
  beginWebauthnRegistration,
  finishWebauthnRegistration,
  verifyWebauthnAssertion,
  type Ceremony,
} from '../../domain/webauthn.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { findUserFactors } from '../../store/queries/user-factors.ts';
import { authRequestOf, type LoginContext, type LoginKit } from './login-kit.ts';
import { LoginPageError, readLoginForm } from './login-page.ts';
import { webauthnForm, webauthnResponseOf } from './webauthn-assets.ts';

export const SECURITY_KEY_INVALID = 'Your security key could not be verified. Please try again.';
const PASSKEY_INVALID = 'Your passkey could not be verified. Please try again, or sign in with your login name.';
const PASSKEY_NOT_ALLOWED = 'Signing in with a passkey is not allowed here. Please sign in with your login name.';
const KEY_NOT_ADDED = 'The security key could not be added. Please try again.';

type RenderCheck = (ctx: Context, login: LoginContext, status: number, error: string | null) => Promise<void>;
type RenderSetup = (ctx: Context, login: LoginContext, status: number, keyError: string | null) => Promise<void>;

/** The login's WebAuthn challenges are bound to its interaction: no other login can answer them. */
function ceremonyOf(login: LoginContext): Ceremony {
  const { instance } = login.tenant;
  return { instanceId: instance._id, issuer: instance.issuer, binding: `login:${login.interaction.uid}` };
}

/**
 * WebAuthn in the login (docs/mfa.md): a security key or passkey as the second factor on the `mfa` step (amr `hwk`),
 * and a passkey alone where the policy's `passwordlessType` allows it (amr `user` + `hwk`: the authenticator
 * verified the user, RFC 8176 §2), from a page the login-name page links to.
 */
export function webauthnLoginPages(kit: LoginKit, renderCheck: RenderCheck, renderSetup: RenderSetup) {
  /** The security-key form of the second-factor page, when the user has a credential the policy allows. */
  async function secondFactorForm(login: LoginContext) {
    if (!login.user || !secondFactorAllowed(login.policy, 'webauthn')) return null;
    const factors = await findUserFactors(login.tenant.instance._id, login.user._id);
    if (!factors.some((factor) => factor.type === 'webauthn')) return null;
    const options = await beginWebauthnAuthentication(ceremonyOf(login), login.user._id);
    return webauthnForm('authenticate', options, `/ui/login/${login.interaction.uid}/webauthn`, 'Use a security key');
  }

  async function submitSecondFactor(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'mfa');
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    const response = webauthnResponseOf<AuthenticationResponseJSON>(form);
    const result =
      response && secondFactorAllowed(login.policy, 'webauthn')
        ? await verifyWebauthnAssertion(ceremonyOf(login), login.user!._id, response, kit.origin(ctx, login))
        : { outcome: 'wrong' as const };
    if (result.outcome !== 'ok') return renderCheck(ctx, login, 401, SECURITY_KEY_INVALID);
    return kit.advance(ctx, login, { ...login.progress, amr: [...login.progress.amr, 'hwk'] });
  }

  /** The security-key form of the forced set-up (`mfa-setup`), registering a key bound to this login. */
  async function setupForm(login: LoginContext, error: string | null) {
    const user = login.user!;
    const rpName = login.policy.branding.displayName ?? login.policyOrg?.name ?? login.tenant.instance.name;
    const options = await beginWebauthnRegistration(ceremonyOf(login), user, rpName);
    const action = `/ui/login/${login.interaction.uid}/mfa-setup/webauthn`;
    return webauthnForm('register', options, action, 'Add the key', error);
  }

  /** A key registered during the forced set-up is this login's second factor (amr `hwk`), as a key checked is. */
  async function submitSetup(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadStep(ctx, 'mfa-setup');
    if (!login) return;
    kit.verifyCsrf(login.interaction.uid, form);
    const response = webauthnResponseOf<RegistrationResponseJSON>(form);
    const user = login.user!;
    const actor = { instanceId: login.tenant.instance._id, actorId: user._id };
    const added =
      response && secondFactorAllowed(login.policy, 'webauthn')
        ? await finishWebauthnRegistration(ceremonyOf(login), actor, user, response, form.get('name') ?? '')
        : false;
    if (!added) return renderSetup(ctx, login, 400, KEY_NOT_ADDED);
    return kit.advance(ctx, login, { ...login.progress, amr: [...login.progress.amr, 'hwk'] });
  }

  async function renderPasskey(ctx: Context, login: LoginContext, status: number, error: string | null) {
    if (!passkeyLoginAllowed(login.policy)) throw new LoginPageError(403, 'Login not possible', PASSKEY_NOT_ALLOWED);
    const options = await beginWebauthnAuthentication(ceremonyOf(login), null);
    const base = `/ui/login/${login.interaction.uid}`;
    kit.render(ctx, login, 'passkey.njk', status, {
      title: 'Sign in with a passkey',
      webauthn: webauthnForm('authenticate', options, `${base}/passkey`, 'Sign in with a passkey', error),
      backUrl: base,
    });
  }

  async function showPasskey(ctx: Context): Promise<void> {
    await renderPasskey(ctx, await kit.loadContext(ctx), 200, null);
  }

  /**
   * A passkey's assertion identifies the user (its user handle is their id); the login then goes on as after a login
   * name and password, under the policy of the user's org, which must allow passkeys too. What the org scope, the
   * project and the app require is checked when the login finishes (kit.advance).
   */
  async function submitPasskey(ctx: Context): Promise<void> {
    const form = await readLoginForm(ctx);
    const login = await kit.loadContext(ctx);
    kit.verifyCsrf(login.interaction.uid, form);
    if (!passkeyLoginAllowed(login.policy)) throw new LoginPageError(403, 'Login not possible', PASSKEY_NOT_ALLOWED);
    const response = webauthnResponseOf<AuthenticationResponseJSON>(form);
    const result = response
      ? await verifyWebauthnAssertion(ceremonyOf(login), null, response, kit.origin(ctx, login))
      : { outcome: 'wrong' as const };
    if (result.outcome !== 'ok') return renderPasskey(ctx, login, 401, PASSKEY_INVALID);
    const instance = login.tenant.instance;
    const user = await findLoginUser(instance._id, result.userId);
    if (!user) return renderPasskey(ctx, login, 401, PASSKEY_INVALID);
    const policyOrg = login.scopedOrg ?? (await findOrg(instance._id, user.orgId));
    const identified: LoginContext = { ...login, user, policyOrg, policy: policyOf(instance, policyOrg) };
    if (!passkeyLoginAllowed(identified.policy))
      throw new LoginPageError(403, 'Login not possible', PASSKEY_NOT_ALLOWED);
    // The assertion is where a passkey login identifies the user: the pre-authentication trigger runs here, as after
    // the login name of a password login (first-factor-pages.ts).
    const denial = await loginDenial(instance._id, 'pre-authentication', user, { authRequest: authRequestOf(login) });
    if (denial) return renderPasskey(ctx, login, 403, denial);
    return kit.advance(ctx, identified, {
      ...emptyProgress(),
      userId: user._id,
      loginName: user.username,
      amr: ['user', 'hwk'],
    });
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.post('/webauthn', page(submitSecondFactor));
    router.post('/mfa-setup/webauthn', page(submitSetup));
    router.get('/passkey', page(showPasskey));
    router.post('/passkey', page(submitPasskey));
  }

  return { secondFactorForm, setupForm, addRoutes };
}
