import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { brandingFrom } from '../domain/rules/branding.ts';
import { renderView } from '../platform/templates.ts';
import { policyOf, type LoginInstance } from '../domain/login.ts';
import { isDatabaseUnavailable } from '../store/database/connection.ts';
import { UNAVAILABLE_DESCRIPTION } from './database-unavailable.ts';

type DeviceFlowPages = Pick<
  NonNullable<NonNullable<Configuration['features']>['deviceFlow']>,
  'userCodeInputSource' | 'userCodeConfirmSource' | 'successSource'
>;
type LogoutPages = Pick<
  NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>,
  'logoutSource' | 'postLogoutSuccessSource'
>;

export interface ProviderPages {
  renderError: NonNullable<Configuration['renderError']>;
  logout: LogoutPages;
  deviceFlow: DeviceFlowPages;
}

const ERROR_TITLES: Record<string, string> = {
  invalid_request: 'The request is not valid',
  invalid_client: 'Unknown application',
  invalid_redirect_uri: 'The application is misconfigured',
  access_denied: 'Access denied',
  login_required: 'Sign-in required',
  server_error: 'Something went wrong',
};

/**
 * The provider's own pages (errors it cannot redirect, logout, device flow) in the login UI's look,
 * with the instance's branding. The forms are Castellan's own accessible markup posting to the
 * provider's endpoints with the provider's `xsrf` value.
 */
export function providerPages(instance: LoginInstance): ProviderPages {
  const page = (ctx: KoaContextWithOIDC, view: string, context: Record<string, unknown>): void => {
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = renderView(ctx.res, view, {
      branding: brandingFrom(policyOf(instance, null), instance.name),
      ...context,
    });
  };
  const xsrf = (ctx: KoaContextWithOIDC): string =>
    String((ctx.oidc.session?.state as { secret?: string } | undefined)?.secret ?? '');
  const clientName = (ctx: KoaContextWithOIDC): string =>
    String(ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? 'An application');

  return {
    renderError(ctx, out, error) {
      if (isDatabaseUnavailable(error)) {
        page(ctx, 'error.njk', { title: 'Temporarily unavailable', message: UNAVAILABLE_DESCRIPTION });
        return;
      }
      // The provider puts only client-safe text in `out` (server errors arrive as a generic description).
      page(ctx, 'error.njk', {
        title: ERROR_TITLES[out.error] ?? 'The request could not be completed',
        message: out.error_description ?? out.error,
        detail: `Error code: ${out.error}`,
      });
    },
    logout: {
      logoutSource(ctx) {
        page(ctx, 'logout.njk', { title: 'Sign out', action: ctx.oidc.urlFor('end_session_confirm'), xsrf: xsrf(ctx) });
      },
      postLogoutSuccessSource(ctx) {
        page(ctx, 'message.njk', {
          title: 'Signed out',
          message: 'You have been signed out. You can close this window.',
        });
      },
    },
    deviceFlow: {
      userCodeInputSource(ctx, _form, _out, err) {
        let error: string | null = null;
        if (err && ('userCode' in err || err.name === 'NoCodeError'))
          error = 'The code is not valid or has expired. Check the code on your device and try again.';
        else if (err && err.name === 'AbortedError') error = 'The sign-in on the device was aborted.';
        else if (err) error = 'The code could not be checked. Please try again.';
        if (error) ctx.status = 400;
        page(ctx, 'device-code.njk', {
          title: 'Sign in on a device',
          action: ctx.oidc.urlFor('code_verification'),
          xsrf: xsrf(ctx),
          error,
        });
      },
      userCodeConfirmSource(ctx, _form, _client, _deviceInfo, userCode) {
        page(ctx, 'device-confirm.njk', {
          title: 'Confirm the device',
          action: ctx.oidc.urlFor('code_verification'),
          xsrf: xsrf(ctx),
          userCode,
          clientName: clientName(ctx),
        });
      },
      successSource(ctx) {
        page(ctx, 'message.njk', {
          title: 'Device signed in',
          message: `${clientName(ctx)} is now signed in on your device. You can close this window.`,
        });
      },
    },
  };
}
