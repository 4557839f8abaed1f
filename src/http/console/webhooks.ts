import { notFound } from '../../domain/errors.ts';
import { removalPage } from './confirm-removal.ts';
import { instanceFrame } from './instance-settings.ts';
import { lines } from './forms.ts';
import { renderConsole, type Console, type ConsolePage, type Params } from './kit.ts';
import { orgFrame } from './org-tabs.ts';

interface WebhookView {
  id: string;
  url: string;
  eventTypes: string[];
  state: string;
}

interface OwnerScope {
  /** The console path of the owner (`/orgs/:orgId`, `/instance`) and the API's (`/orgs/{orgId}`, `/instance`). */
  path: string;
  api: string;
  frame(c: Console, params: Params, title: string): Promise<{ title: string } & Record<string, unknown>>;
}

const params = (c: Console) => c.ctx.params as Params;
const consolePath = (c: Console) => c.ctx.path.replace(/^\/ui\/console/, '');

/** Change webhooks (audit-trail events posted to a URL): subscriptions, and each one's deliveries with their state. */
function webhookPages(scope: OwnerScope): ConsolePage[] {
  const list: ConsolePage = {
    path: `${scope.path}/webhooks`,
    async render(c, form, status) {
      const frame = await scope.frame(c, params(c), 'Webhooks');
      const { webhooks } = await c.call<{ webhooks: WebhookView[] }>(`GET ${scope.api}/webhooks`, params(c));
      await renderConsole(
        c,
        'webhooks.njk',
        {
          ...frame,
          webhooks,
          form,
          can: {
            create: await c.allows(`POST ${scope.api}/webhooks`, params(c)),
            remove: await c.allows(`DELETE ${scope.api}/webhooks/{webhookId}`, { ...params(c), webhookId: '-' }),
          },
        },
        status,
      );
    },
    actions: {
      create: {
        route: `POST ${scope.api}/webhooks`,
        body: (form) => ({ url: form.get('url') ?? '', eventTypes: lines(form, 'eventTypes') }),
        async done(c, result) {
          const created = result as WebhookView & { signingKey: string };
          await renderConsole(c, 'secret.njk', {
            title: 'Webhook created',
            what: 'the receiver',
            secret: created.signingKey,
            secretLabel: 'Signing key',
            nextUrl: `/ui/console${consolePath(c)}/${created.id}`,
          });
        },
      },
    },
  };
  const deliveries: ConsolePage = {
    path: `${scope.path}/webhooks/:webhookId`,
    async render(c, _form, status) {
      const frame = await scope.frame(c, params(c), 'Webhook deliveries');
      const { webhooks } = await c.call<{ webhooks: WebhookView[] }>(`GET ${scope.api}/webhooks`, params(c));
      const found = await c.call<{ deliveries: unknown[] }>(
        `GET ${scope.api}/webhooks/{webhookId}/deliveries`,
        params(c),
        undefined,
        { limit: '100' },
      );
      await renderConsole(
        c,
        'webhook.njk',
        {
          ...frame,
          webhook: webhooks.find((webhook) => webhook.id === params(c).webhookId),
          deliveries: found.deliveries,
          listUrl: `/ui/console${consolePath(c).replace(/\/[^/]+$/, '')}`,
        },
        status,
      );
    },
  };
  const remove = removalPage({
    path: `${scope.path}/webhooks/:webhookId/remove`,
    route: `DELETE ${scope.api}/webhooks/{webhookId}`,
    frame: (c, owner) => scope.frame(c, owner, 'Webhook'),
    async nameOf(c, owner) {
      const { webhooks } = await c.call<{ webhooks: WebhookView[] }>(`GET ${scope.api}/webhooks`, owner);
      const found = webhooks.find((webhook) => webhook.id === owner.webhookId);
      if (!found) throw notFound();
      return `the webhook to ${found.url}`;
    },
    cascade: ['its deliveries not made yet (the ones made stay as a record)'],
  });
  return [list, deliveries, remove];
}

export const ORG_OWNER: OwnerScope = {
  path: '/orgs/:orgId',
  api: '/orgs/{orgId}',
  async frame(c, owner, title) {
    const frame = await orgFrame(c, owner.orgId!);
    return { ...frame, title: `${title} of ${frame.org.name}` };
  },
};
export const INSTANCE_OWNER: OwnerScope = {
  path: '/instance',
  api: '/instance',
  frame: (c, _owner, title) => instanceFrame(c, `${title} of ${c.tenant.instance.name}`),
};
export type { OwnerScope };

export const webhookPagesOf: ConsolePage[] = [...webhookPages(ORG_OWNER), ...webhookPages(INSTANCE_OWNER)];
