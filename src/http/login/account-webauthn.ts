import type Router from '@koa/router';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Context, Middleware } from 'koa';
import type { LoginOrg, LoginUser } from '../../domain/login.ts';
import type { LoginPolicy } from '../../domain/rules/login-policy.ts';
import { passkeyLoginAllowed, secondFactorAllowed } from '../../domain/rules/webauthn.ts';
import {
  beginWebauthnAuthentication,
  beginWebauthnRegistration,
  finishWebauthnRegistration,
  verifyWebauthnAssertion,
  type Ceremony,
} from '../../domain/webauthn.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { findUserFactors } from '../../store/queries/user-factors.ts';
import { ACCOUNT_PATH, type AccountSession } from './account-session.ts';
import { SECURITY_KEY_INVALID } from './webauthn.ts';
import { webauthnForm, webauthnResponseOf } from './webauthn-assets.ts';

const REGISTRATION_FAILED = 'The security key or passkey could not be added. Please try again.';

/** What the self-service pages (http/login/account.ts) know of a request. */
export interface AccountRequest {
  tenant: Tenant;
  session: AccountSession | null;
  user: LoginUser | null;
  org: LoginOrg | null;
  policy: LoginPolicy;
}

/** What the WebAuthn parts of the self-service pages need from them. */
export interface AccountKit<T extends AccountRequest> {
  load(ctx: Context): Promise<T>;
  render(ctx: Context, loaded: T, view: string, status: number, context: Record<string, unknown>): void;
  /** A form of a signed-in user (fresh password and factor check), or null after sending them back to sign in. */
  signedInForm(ctx: Context): Promise<{ loaded: T; form: URLSearchParams } | null>;
  /** A form of a user who passed the password and still owes a second factor, or null. */
  secondFactorForm(ctx: Context): Promise<{ loaded: T; form: URLSearchParams } | null>;
  /** Marks the user's sign-in complete and sends them to their account page. */
  completeSignIn(ctx: Context, loaded: T): void;
  renderCode(ctx: Context, loaded: T, status: number, error: string | null, notice?: string | null): Promise<void>;
  backToAccount(ctx: Context): void;
}

/** The self-service session's challenges are bound to the user; the session itself is a fresh check (10 minutes). */
function ceremonyOf(loaded: AccountRequest): Ceremony {
  const { instance } = loaded.tenant;
  return { instanceId: instance._id, issuer: instance.issuer, binding: `account:${loaded.user!._id}` };
}

/** Whether the policy lets the user use a WebAuthn credential at all: as a second factor, or as a passkey. */
export function mayAddWebauthn(policy: LoginPolicy): boolean {
  return secondFactorAllowed(policy, 'webauthn') || passkeyLoginAllowed(policy);
}

/**
 * Adding a security key or passkey from /ui/account (after the fresh check every change needs), and using one for
 * the second-factor check of the self-service sign-in.
 */
export function accountWebauthnPages<T extends AccountRequest>(kit: AccountKit<T>) {
  /** The security-key form of the sign-in's second-factor page, when the user has a credential the policy allows. */
  async function secondFactorForm(loaded: T) {
    if (!loaded.user || !secondFactorAllowed(loaded.policy, 'webauthn')) return null;
    const factors = await findUserFactors(loaded.tenant.instance._id, loaded.user._id);
    if (!factors.some((factor) => factor.type === 'webauthn')) return null;
    const options = await beginWebauthnAuthentication(ceremonyOf(loaded), loaded.user._id);
    return webauthnForm('authenticate', options, `${ACCOUNT_PATH}/webauthn/check`, 'Use a security key');
  }

  async function renderRegistration(ctx: Context, loaded: T, status: number, error: string | null) {
    const user = loaded.user!;
    const rpName = loaded.policy.branding.displayName ?? loaded.org?.name ?? loaded.tenant.instance.name;
    const options = await beginWebauthnRegistration(ceremonyOf(loaded), user, rpName);
    kit.render(ctx, loaded, 'webauthn-setup.njk', status, {
      title: 'Add a security key or passkey',
      loginName: user.username,
      webauthn: webauthnForm('register', options, `${ACCOUNT_PATH}/webauthn/finish`, 'Add the key', error),
      backUrl: ACCOUNT_PATH,
    });
  }

  async function startRegistration(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (!request) return;
    if (!mayAddWebauthn(request.loaded.policy)) return kit.backToAccount(ctx);
    await renderRegistration(ctx, request.loaded, 200, null);
  }

  async function finishRegistration(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (!request) return;
    const { loaded, form } = request;
    if (!mayAddWebauthn(loaded.policy)) return kit.backToAccount(ctx);
    const response = webauthnResponseOf<RegistrationResponseJSON>(form);
    const user = loaded.user!;
    const actor = { instanceId: loaded.tenant.instance._id, actorId: user._id };
    const added = response
      ? await finishWebauthnRegistration(ceremonyOf(loaded), actor, user, response, form.get('name') ?? '')
      : false;
    if (!added) return renderRegistration(ctx, loaded, 400, REGISTRATION_FAILED);
    kit.backToAccount(ctx);
  }

  async function check(ctx: Context): Promise<void> {
    const request = await kit.secondFactorForm(ctx);
    if (!request) return;
    const { loaded, form } = request;
    const response = webauthnResponseOf<AuthenticationResponseJSON>(form);
    const origin = { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, clientId: null };
    const result =
      response && secondFactorAllowed(loaded.policy, 'webauthn')
        ? await verifyWebauthnAssertion(ceremonyOf(loaded), loaded.user!._id, response, origin)
        : { outcome: 'wrong' as const };
    if (result.outcome !== 'ok') return kit.renderCode(ctx, loaded, 401, SECURITY_KEY_INVALID);
    kit.completeSignIn(ctx, loaded);
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.post('/webauthn', page(startRegistration));
    router.post('/webauthn/finish', page(finishRegistration));
    router.post('/webauthn/check', page(check));
  }

  return { secondFactorForm, addRoutes };
}
