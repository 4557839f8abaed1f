import { LIFETIME_FIELDS } from '../../domain/commands/token-lifetimes.ts';
import { numberOrNull, text } from './forms.ts';
import { renderConsole, type Console, type ConsolePage, type Params, type RouteKey } from './kit.ts';

const LABELS: Record<(typeof LIFETIME_FIELDS)[number], string> = {
  accessTokenSeconds: 'Access token',
  idTokenSeconds: 'ID token',
  refreshTokenIdleSeconds: 'Refresh token (idle)',
  refreshTokenAbsoluteSeconds: 'Refresh token (absolute)',
};

interface LifetimesScope {
  path: string;
  /** The API's GET and the write (PUT for an org or a project, PATCH for the instance). */
  read: RouteKey;
  write: RouteKey;
  frame(c: Console, params: Params): Promise<{ title: string } & Record<string, unknown>>;
  intro: string;
  /**
   * Whose lifetimes an empty field inherits (an org's and a project's, sent as null), or null for the instance's
   * own, which inherit nothing: an empty field is left out of the PATCH and keeps its value.
   */
  inheritsFrom: string | null;
}

/** Token lifetimes in seconds as a form over the API's routes (api/token-lifetimes.ts, api/instance-lifetimes.ts). */
export function lifetimesPage(scope: LifetimesScope): ConsolePage {
  const params = (c: Console) => c.ctx.params as Params;
  const number = (form: URLSearchParams, field: string) =>
    scope.inheritsFrom ? numberOrNull(form, field) : text(form, field) && numberOrNull(form, field);
  return {
    path: scope.path,
    async render(c, form, status) {
      const frame = await scope.frame(c, params(c));
      const lifetimes = await c.call<Record<string, number | null>>(scope.read, params(c));
      await renderConsole(
        c,
        'token-lifetimes.njk',
        {
          ...frame,
          intro: scope.intro,
          inheritsFrom: scope.inheritsFrom,
          fields: LIFETIME_FIELDS.map((name) => ({ name, label: LABELS[name], value: lifetimes[name] })),
          form,
          canWrite: await c.allows(scope.write, params(c)),
        },
        status,
      );
    },
    actions: {
      lifetimes: {
        route: scope.write,
        // A field left out, not sent as undefined: updateInstance spreads the change over the stored lifetimes.
        body: (form) =>
          Object.fromEntries(
            LIFETIME_FIELDS.map((field) => [field, number(form, field)]).filter(([, value]) => value !== undefined),
          ),
        done: (c) => c.ctx.path.replace(/^\/ui\/console/, ''),
      },
    },
  };
}
