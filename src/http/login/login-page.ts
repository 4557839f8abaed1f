import type { Context } from 'koa';
import { brandingFrom } from '../../domain/rules/branding.ts';
import { policyOf } from '../../domain/login.ts';
import { FormTooLargeError, readForm } from '../../platform/form-body.ts';
import type { Logger } from '../../platform/logger.ts';
import { renderView } from '../../platform/templates.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { isDatabaseUnavailable } from '../../store/database/connection.ts';

/** A page to show instead of the step (expired interaction, bad form, refused login). */
export class LoginPageError extends Error {
  readonly status: number;
  readonly title: string;
  readonly backUrl: string | null;
  constructor(status: number, title: string, message: string, backUrl: string | null = null) {
    super(message);
    this.status = status;
    this.title = title;
    this.backUrl = backUrl;
  }
}

/** The login form's fields, as strings only (platform/form-body.ts). */
export async function readLoginForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded'))
    throw new LoginPageError(415, 'Unsupported form', 'The form must be sent as application/x-www-form-urlencoded.');
  try {
    return await readForm(ctx.req);
  } catch (error) {
    if (error instanceof FormTooLargeError) throw new LoginPageError(413, 'Form too large', 'The form is too large.');
    throw error;
  }
}

/** Pages, not problem+json: a person is reading. Anything unexpected is logged and shown without detail. */
export function loginPage(log: Logger, handler: (ctx: Context) => Promise<void>) {
  return async (ctx: Context): Promise<void> => {
    try {
      await handler(ctx);
    } catch (thrown) {
      const error = isDatabaseUnavailable(thrown)
        ? new LoginPageError(
            503,
            'Temporarily unavailable',
            'The sign-in is unavailable for a moment. Please try again.',
          )
        : thrown;
      const known = error instanceof LoginPageError;
      if (!known) log.error({ err: error, path: ctx.path }, 'login page failed');
      const { tenant } = ctx.state as { tenant: Tenant };
      ctx.status = known ? error.status : 500;
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = renderView(ctx.res, 'error.njk', {
        branding: brandingFrom(policyOf(tenant.instance, null), tenant.instance.name),
        title: known ? error.title : 'Something went wrong',
        message: known ? error.message : 'The login could not be completed. Please try again later.',
        backUrl: known ? error.backUrl : null,
      });
    }
  };
}
