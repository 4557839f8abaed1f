import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import {
  confirmTotpEnrollment,
  generateRecoveryCodes,
  reopenTotpEnrollment,
  startTotpEnrollment,
} from '../../domain/commands/user-factors.ts';
import { LOGIN_MESSAGES } from '../../domain/rules/login-checks.ts';
import type { Services } from '../../oidc/services.ts';
import { ACCOUNT_PATH } from './account-session.ts';
import type { AccountKit, AccountRequest } from './account-webauthn.ts';
import { setupPage } from './second-factor-pages.ts';

/**
 * Setting up an authenticator app (confirmed with a first code) and getting new recovery codes on /ui/account, within
 * the fresh check every change needs; the codes are shown once.
 */
export function accountTotpPages<T extends AccountRequest>(kit: AccountKit<T>, services: Services) {
  const { masterKey } = services;
  const actorOf = (loaded: T) => ({ instanceId: loaded.tenant.instance._id, actorId: loaded.user!._id });
  const labelOf = (loaded: T) => ({
    issuer: loaded.policy.branding.displayName ?? loaded.org?.name ?? loaded.tenant.instance.name,
    account: loaded.user!.username,
  });

  async function setUpTotp(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (!request) return;
    const { loaded, form } = request;
    const user = loaded.user!;
    const label = labelOf(loaded);
    const factorId = form.get('factorId');
    const code = (form.get('code') ?? '').replace(/\s/g, '');
    if (factorId && /^\d{6}$/.test(code)) {
      const withCodes = loaded.policy.secondFactors.includes('recovery_codes');
      const confirmed = await confirmTotpEnrollment(actorOf(loaded), user, factorId, code, masterKey, withCodes);
      if (confirmed.confirmed && !confirmed.recoveryCodes) return kit.backToAccount(ctx);
      if (confirmed.confirmed) return showRecoveryCodes(ctx, loaded, confirmed.recoveryCodes!);
    }
    const reopened = factorId
      ? await reopenTotpEnrollment(loaded.tenant.instance._id, user, factorId, masterKey, label)
      : null;
    const enrollment = reopened ?? (await startTotpEnrollment(actorOf(loaded), user, masterKey, label));
    kit.render(ctx, loaded, 'mfa-setup.njk', factorId ? 400 : 200, {
      ...(await setupPage(enrollment, `${ACCOUNT_PATH}/totp`)),
      error: factorId ? LOGIN_MESSAGES.codeInvalid : null,
      loginName: user.username,
    });
  }

  function showRecoveryCodes(ctx: Context, loaded: T, codes: string[]): void {
    kit.render(ctx, loaded, 'recovery-codes.njk', 200, {
      title: 'Save your recovery codes',
      recoveryCodes: codes,
      action: ACCOUNT_PATH,
    });
  }

  async function newRecoveryCodes(ctx: Context): Promise<void> {
    const request = await kit.signedInForm(ctx);
    if (!request) return;
    const codes = await generateRecoveryCodes(actorOf(request.loaded), request.loaded.user!, masterKey);
    showRecoveryCodes(ctx, request.loaded, codes);
  }

  function addRoutes(router: Router, page: (handler: (ctx: Context) => Promise<void>) => Middleware): void {
    router.post('/totp', page(setUpTotp));
    router.post('/recovery-codes', page(newRecoveryCodes));
  }

  return { addRoutes };
}
