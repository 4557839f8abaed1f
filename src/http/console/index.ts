import Router from '@koa/router';
import type { Context } from 'koa';
import { CONSOLE_PATH } from '../../domain/setup/console-app.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import {
  FormTooLargeError,
  MAX_MULTIPART_BYTES,
  readForm,
  readMultipartForm,
  type UploadForm,
} from '../../platform/form-body.ts';
import { callerOf } from '../api/authenticate.ts';
import { apiRouteTable, loadRolePermissions } from '../api/index.ts';
import { HttpError } from '../middleware/errors.ts';
import { consoleSignIn, endSessionUrl, renderPublic } from './auth.ts';
import { defaultFlashOf, isFlashCode } from './flash.ts';
import { consolePages } from './pages.ts';
import {
  consoleFor,
  formErrorOf,
  formValues,
  renderConsole,
  routeKeyOf,
  type Console,
  type ConsolePage,
} from './kit.ts';
import { consoleCookies, csrfMatches } from './session.ts';

const TOO_LARGE_MESSAGE = `The form was too large (at most ${MAX_MULTIPART_BYTES / 1024} KB): nothing was saved.`;

/** The manager console under /ui/console (issue 18): server-rendered pages over the management API's routes. */
export function consoleRoutes(services: Services): Router {
  const mapping = loadRolePermissions();
  const routes = new Map(apiRouteTable(mapping).map((apiRoute) => [routeKeyOf(apiRoute), apiRoute]));
  const cookies = consoleCookies(services.masterKey);
  const router = new Router({ prefix: CONSOLE_PATH });
  consoleSignIn(router, cookies);

  /** The signed-in manager's console, or null (no session, timed out, or the user or org is no longer active). */
  async function open(ctx: Context): Promise<Console | null> {
    const { tenant } = ctx.state as { tenant: Tenant };
    const found = cookies.readSession(ctx, tenant.instance._id);
    if (!found) return null;
    // A success message is shown by the request that reads it, and by no other.
    const { flash, ...session } = found;
    try {
      const caller = await callerOf(tenant, session.userId, mapping);
      cookies.touchSession(ctx, tenant.instance._id, session);
      return consoleFor(routes, {
        ctx,
        tenant,
        services,
        session,
        caller,
        flash: isFlashCode(flash) ? flash : undefined,
      });
    } catch (error) {
      if (!(error instanceof HttpError && error.status === 401)) throw error;
      cookies.endSession(ctx);
      return null;
    }
  }

  const signInPage = (ctx: Context, status = 200) =>
    renderPublic(ctx, status, {
      title: 'Console',
      message: 'Sign in to manage the organizations, users and projects you are responsible for.',
    });

  async function readFormOrRefuse(ctx: Context): Promise<URLSearchParams | null> {
    if (!ctx.is('application/x-www-form-urlencoded')) return null;
    try {
      return await readForm(ctx.req);
    } catch (error) {
      if (error instanceof FormTooLargeError) return null;
      throw error;
    }
  }

  /** A page's form: urlencoded, or multipart where it uploads a file (a logo); 'too-large' past the limit. */
  async function readPageForm(ctx: Context): Promise<UploadForm | 'too-large' | null> {
    if (!ctx.is('multipart/form-data')) {
      const form = await readFormOrRefuse(ctx);
      return form && { form, files: new Map() };
    }
    try {
      return await readMultipartForm(ctx.req);
    } catch (error) {
      if (error instanceof FormTooLargeError) return 'too-large';
      throw error;
    }
  }

  router.post('/signout', async (ctx) => {
    const console = await open(ctx);
    const form = await readFormOrRefuse(ctx);
    if (!console || !form || !csrfMatches(console.session, form.get('csrf') ?? undefined)) return signInPage(ctx, 403);
    cookies.endSession(ctx);
    ctx.status = 303;
    ctx.redirect(await endSessionUrl(console.tenant.instance.issuer, console.session.idToken));
  });

  for (const page of consolePages()) mountPage(router, page);

  function mountPage(target: Router, page: ConsolePage): void {
    target.get(page.path, async (ctx) => {
      const console = await open(ctx);
      if (!console) return page.path === '/' ? signInPage(ctx) : ctx.redirect(CONSOLE_PATH);
      await showing(console, () => page.render(console));
    });
    target.post(page.path, async (ctx) => {
      const console = await open(ctx);
      if (!console) return signInPage(ctx, 401);
      const read = await readPageForm(ctx);
      // Nothing of a form too large was read, not even its CSRF token: the page is shown again, unchanged.
      if (read === 'too-large')
        return showing(console, () =>
          page.render(console, { action: '', values: {}, errors: {}, message: TOO_LARGE_MESSAGE }, 413),
        );
      const { form, files } = read ?? { form: null, files: new Map<string, Buffer>() };
      if (!form || !csrfMatches(console.session, form.get('csrf') ?? undefined))
        return renderPublic(ctx, 403, {
          title: 'Form not accepted',
          message: 'The form was not sent from this console page, or your session changed. Go back and try again.',
        });
      const name = form.get('action') ?? '';
      if (page.previews?.includes(name))
        return showing(console, () => page.render(console, { action: name, values: formValues(form), errors: {} }));
      const action = page.actions?.[name];
      if (!action) return showing(console, () => page.render(console, undefined, 400));
      const params = action.params?.(console, form) ?? (ctx.params as Record<string, string>);
      try {
        const body = await action.body?.(form, console, files);
        const result = await console.call(action.route, params, body);
        const next = await action.done(console, result, params);
        if (typeof next === 'string') {
          const flash = action.flash ?? defaultFlashOf(action.route);
          cookies.touchSession(ctx, console.tenant.instance._id, { ...console.session, flash });
          ctx.status = 303;
          ctx.redirect(`${CONSOLE_PATH}${next}`);
        }
      } catch (error) {
        const state = formErrorOf(error, name, formValues(form), page.errorField);
        await showing(console, () => page.render(console, state, state.status));
      }
    });
  }

  /** A page whose read the API refuses shows why, in the console, with the API's status. */
  async function showing(console: Console, render: () => Promise<void>): Promise<void> {
    try {
      await render();
    } catch (error) {
      if (!(error instanceof HttpError || error instanceof DomainError)) throw error;
      const state = formErrorOf(error, '', {});
      await renderConsole(console, 'message.njk', { title: 'Not available', message: state.message }, state.status);
    }
  }

  return router;
}
