import type { Context } from 'koa';
import { DomainError } from '../../domain/errors.ts';
import { brandingFrom } from '../../domain/rules/branding.ts';
import { policyOf } from '../../domain/login.ts';
import type { Services } from '../../oidc/services.ts';
import type { Tenant } from '../../oidc/tenants.ts';
import { renderView } from '../../platform/templates.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { displayNameOf, findUser } from '../../domain/commands/users.ts';
import { CONSOLE_PATH } from '../../domain/setup/console-app.ts';
import type { Caller } from '../api/authenticate.ts';
import type { ApiRoute } from '../api/route.ts';
import { executeRoute, routePermits } from '../api/run.ts';
import { HttpError } from '../middleware/errors.ts';
import { FLASH_MESSAGES, type FlashCode } from './flash.ts';
import { instanceTabs } from './instance-tabs.ts';
import type { ConsoleSession } from './session.ts';

/** `METHOD /path` of a management API route, e.g. `POST /orgs/{orgId}/projects`. */
export type RouteKey = string;
export type Params = Record<string, string>;

export const routeKeyOf = (apiRoute: ApiRoute): RouteKey => `${apiRoute.method.toUpperCase()} ${apiRoute.path}`;

/**
 * One request of a signed-in manager. Every read and every action runs a management API route through
 * api/run.ts (validation, the locator's resource resolution and decideAccess, then the handler): the console has no
 * permission logic of its own, and shows a control only where `allows` says the same route would run.
 */
export interface Console {
  ctx: Context;
  tenant: Tenant;
  services: Services;
  session: ConsoleSession;
  caller: Caller;
  call<T = Record<string, unknown>>(key: RouteKey, params?: Params, body?: unknown, query?: unknown): Promise<T>;
  allows(key: RouteKey, params?: Params, body?: unknown, query?: unknown): Promise<boolean>;
  /** The org whose branding the page wears (the page's org, else the manager's own). */
  brandOrgId?: string;
  /** The success of the action that led here (POST → redirect → GET), shown once. */
  flash?: FlashCode;
}

export function consoleFor(routes: ReadonlyMap<RouteKey, ApiRoute>, base: Omit<Console, 'call' | 'allows'>): Console {
  const routeOf = (key: RouteKey) => {
    const found = routes.get(key);
    if (!found) throw new Error(`the console names an unknown API route: ${key}`);
    return found;
  };
  const input = (params: Params, body?: unknown, query?: unknown) => ({
    params,
    body,
    query,
    caller: base.caller,
    tenant: base.tenant,
    services: base.services,
  });
  return {
    ...base,
    async call<T>(key: RouteKey, params: Params = {}, body?: unknown, query?: unknown) {
      return (await executeRoute(routeOf(key), input(params, body, query))).body as T;
    },
    allows: (key, params = {}, body, query) => routePermits(routeOf(key), input(params, body, query)),
  };
}

/** A form's action on a page: the API route it runs, with what parameters and body, and where to go after. */
export interface PageAction {
  route: RouteKey;
  /** The route's path parameters; the page's own by default. */
  params?(c: Console, form: URLSearchParams): Params;
  /** `files`: the bytes of a multipart form's file fields (a logo upload), else none. */
  body?(form: URLSearchParams, c: Console, files: ReadonlyMap<string, Buffer>): unknown;
  /** A console path to go to (303), or nothing when it rendered a page itself (a secret shown once). */
  done(c: Console, result: unknown, params: Params): string | void | Promise<string | void>;
  /** The message the page it goes to shows; by default what the route's method says (flash.ts). */
  flash?: FlashCode;
}

/** A console page: its path under /ui/console, how it renders (with a form's state after an error), its actions. */
export interface ConsolePage {
  path: string;
  render(c: Console, form?: FormState, status?: number): Promise<void>;
  actions?: Record<string, PageAction>;
  /** Form actions that show the page again with what was typed (a preview): no route runs, nothing is saved. */
  previews?: string[];
  /** The field of an API error path where the page's own names differ from the leaf names (ErrorField). */
  errorField?: ErrorField;
}

/** The form field an API error path belongs to, or undefined for the leaf name (`fieldOf`). */
export type ErrorField = (path: string) => string | undefined;

/** Fields a form sent, and the errors to show next to them: what the manager typed is shown again on an error. */
export interface FormState {
  action: string;
  values: Record<string, string | string[]>;
  errors: Record<string, string>;
  /** An error that belongs to no field (forbidden, a conflict), announced at the top of the form. */
  message?: string;
}

export function formValues(form: URLSearchParams): FormState['values'] {
  const values: FormState['values'] = {};
  for (const key of new Set(form.keys())) {
    if (key === 'csrf') continue;
    const all = form.getAll(key);
    values[key] = all.length === 1 ? all[0]! : all;
  }
  return values;
}

/** The field of an API error path (`roleKeys.0` → `roleKeys`, `oidc.redirectUris` → `redirectUris`). */
function fieldOf(path: string): string {
  const parts = path.split('.').filter((part) => !/^\d+$/.test(part) && part !== 'oidc');
  return parts.at(-1) ?? path;
}

const REFUSALS: Record<number, string> = {
  401: 'Your sign-in has ended. Sign in again.',
  403: 'You are not allowed to do this.',
  404: 'This no longer exists, or you may not see it.',
};

/** An API refusal as the form shows it: 400s next to their fields, the rest as one message. */
export function formErrorOf(
  error: unknown,
  action: string,
  values: FormState['values'],
  errorField?: ErrorField,
): FormState & { status: number } {
  const status = error instanceof HttpError ? error.status : error instanceof DomainError ? statusOfDomain(error) : 0;
  if (!status) throw error;
  const detail = (error as HttpError | DomainError).detail as { errors?: Array<{ field: string; message: string }> };
  const errors: Record<string, string> = {};
  for (const entry of detail.errors ?? []) errors[errorField?.(entry.field) ?? fieldOf(entry.field)] ??= entry.message;
  const message =
    REFUSALS[status] ?? (Object.keys(errors).length ? 'Please correct the marked fields.' : (error as Error).message);
  return { action, values, errors, message, status };
}

function statusOfDomain(error: DomainError): number {
  return { invalid: 400, 'not-found': 404, conflict: 409, throttled: 429 }[error.kind];
}

export interface NavItem {
  href: string;
  label: string;
}

/** The top navigation: what every manager has, and the instance's pages for those the API lets read them. */
async function navigationOf(c: Console): Promise<NavItem[]> {
  const items: NavItem[] = [
    { href: CONSOLE_PATH, label: 'Home' },
    { href: `${CONSOLE_PATH}/orgs`, label: 'Organizations' },
  ];
  if (await c.allows('GET /instance/members'))
    items.push({ href: `${CONSOLE_PATH}/instance/managers`, label: 'Instance managers' });
  if (await c.allows('GET /instance/login-policy'))
    items.push({ href: `${CONSOLE_PATH}/instance/login-policy`, label: 'Instance login policy' });
  const [instanceSettings] = await instanceTabs((route) => c.allows(route));
  if (instanceSettings) items.push({ href: instanceSettings.href, label: 'Instance settings' });
  if (await c.allows('GET /events')) items.push({ href: `${CONSOLE_PATH}/audit`, label: 'Audit trail' });
  return items;
}

/** Renders a console page in the layout: branding of the page's org, the navigation, the sign-out form. */
export async function renderConsole(
  c: Console,
  view: string,
  context: Record<string, unknown> & { title: string },
  status = 200,
): Promise<void> {
  const instance = c.tenant.instance;
  const org = await findOrg(instance._id, c.brandOrgId ?? c.caller.orgId);
  const user = await findUser(instance._id, c.caller.userId);
  c.ctx.status = status;
  c.ctx.type = 'html';
  c.ctx.set('cache-control', 'no-store');
  c.ctx.body = renderView(c.ctx.res, `console/${view}`, {
    branding: brandingFrom(policyOf(instance, org), org?.name ?? instance.name),
    csrf: c.session.csrf,
    nav: await navigationOf(c),
    me: { displayName: user ? displayNameOf(user) : '' },
    current: c.ctx.path,
    flash: c.flash ? FLASH_MESSAGES[c.flash] : undefined,
    consolePath: CONSOLE_PATH,
    ...context,
  });
}

/** An action that makes a new client secret and shows it once (secret.njk), with the way back to `back`. */
export function newClientSecret(route: RouteKey, what: string, back: (c: Console) => string): PageAction {
  return {
    route,
    async done(c, result) {
      const created = result as { clientId: string; clientSecret: string };
      await renderConsole(c, 'secret.njk', {
        title: 'New client secret',
        what,
        clientId: created.clientId,
        secret: created.clientSecret,
        nextUrl: `${CONSOLE_PATH}${back(c)}`,
      });
    },
  };
}
