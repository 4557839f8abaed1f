import { ACTION_FLOWS } from '../../domain/rules/action-flows.ts';
import { checked, lines, numberOrNull, text } from './forms.ts';
import { renderConsole, type Console, type ConsolePage, type Params } from './kit.ts';
import { removalPage } from './confirm-removal.ts';
import { INSTANCE_OWNER, ORG_OWNER, type OwnerScope } from './webhooks.ts';

interface ActionView {
  id: string;
  name: string;
  type: string;
  script: string | null;
  endpoint: string | null;
  timeoutMs: number;
  allowedToFail: boolean;
  allowedHosts: string[];
  state: string;
  version: number;
}

const params = (c: Console) => c.ctx.params as Params;
const consolePath = (c: Console) => c.ctx.path.replace(/^\/ui\/console/, '');
const TYPES = [
  { value: 'script', label: 'Script (JavaScript, run in a sandbox)' },
  { value: 'webhook', label: 'Webhook (notified, its answer ignored)' },
  { value: 'call', label: 'Call (its answer is applied)' },
];
const TRIGGERS = [...new Set(Object.values(ACTION_FLOWS).flat())].map((value) => ({ value, label: value }));

/** The action's settings from the form, as POST and PUT take them (api/actions.ts). */
function actionBody(form: URLSearchParams) {
  const timeoutMs = numberOrNull(form, 'timeoutMs');
  return {
    name: form.get('name') ?? '',
    type: form.get('type') ?? 'script',
    script: text(form, 'script'),
    endpoint: text(form, 'endpoint'),
    ...(timeoutMs === null ? {} : { timeoutMs }),
    allowedToFail: checked(form, 'allowedToFail'),
    allowedHosts: lines(form, 'allowedHosts'),
  };
}

/** Actions (ZITADEL's): a list with a create form, and each action's page to edit, try on a user, or remove. */
function actionPages(scope: OwnerScope): ConsolePage[] {
  const list: ConsolePage = {
    path: `${scope.path}/actions`,
    async render(c, form, status) {
      const frame = await scope.frame(c, params(c), 'Actions');
      const { actions } = await c.call<{ actions: ActionView[] }>(`GET ${scope.api}/actions`, params(c));
      const canCreate = await c.allows(`POST ${scope.api}/actions`, params(c));
      await renderConsole(c, 'actions.njk', { ...frame, actions, types: TYPES, form, canCreate }, status);
    },
    actions: {
      create: {
        route: `POST ${scope.api}/actions`,
        body: actionBody,
        async done(c, result) {
          const created = result as ActionView & { signingKey: string | null };
          const next = `${consolePath(c)}/${created.id}`;
          if (!created.signingKey) return next;
          await renderConsole(c, 'secret.njk', {
            title: 'Action created',
            what: 'its target',
            secret: created.signingKey,
            secretLabel: 'Signing key',
            nextUrl: `/ui/console${next}`,
          });
        },
      },
    },
  };
  const one = `${scope.api}/actions/{actionId}`;
  const detail: ConsolePage = {
    path: `${scope.path}/actions/:actionId`,
    async render(c, form, status) {
      const frame = await scope.frame(c, params(c), 'Action');
      const action = await c.call<ActionView>(`GET ${one}`, params(c));
      const tried = (c.ctx.state as { actionTest?: unknown }).actionTest;
      await renderConsole(
        c,
        'action.njk',
        {
          ...frame,
          title: `Action ${action.name}`,
          action,
          types: TYPES,
          triggers: TRIGGERS,
          states: [
            { value: 'active', label: 'active' },
            { value: 'inactive', label: 'inactive' },
          ],
          tried: tried && JSON.stringify(tried, null, 2),
          form,
          listUrl: `/ui/console${consolePath(c).replace(/\/[^/]+$/, '')}`,
          can: {
            write: await c.allows(`PUT ${one}`, params(c)),
            test: await c.allows(`POST ${one}/test`, params(c)),
            remove: await c.allows(`DELETE ${one}`, params(c)),
          },
        },
        status,
      );
    },
    actions: {
      save: {
        route: `PUT ${one}`,
        body: (form) => ({ ...actionBody(form), state: form.get('state') ?? 'active' }),
        done: consolePath,
      },
      test: {
        route: `POST ${one}/test`,
        body: (form) => ({ userId: form.get('userId') ?? '', trigger: form.get('trigger') ?? '' }),
        async done(c, result) {
          (c.ctx.state as { actionTest?: unknown }).actionTest = result;
          await detail.render(c);
        },
      },
    },
  };
  const remove = removalPage({
    path: `${scope.path}/actions/:actionId/remove`,
    route: `DELETE ${one}`,
    frame: (c, owner) => scope.frame(c, owner, 'Action'),
    nameOf: async (c, owner) => `action ${(await c.call<ActionView>(`GET ${one}`, owner)).name}`,
    cascade: ['its place in every flow trigger that runs it'],
  });
  return [list, detail, remove];
}

export const actionPagesOf: ConsolePage[] = [...actionPages(ORG_OWNER), ...actionPages(INSTANCE_OWNER)];
