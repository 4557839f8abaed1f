import { CONSOLE_PATH } from '../../domain/setup/console-app.ts';
import { renderConsole, type Console, type ConsolePage, type Params, type RouteKey } from './kit.ts';

/** What a removal's confirmation page needs: the thing's name, what goes with it, the route that removes it. */
export interface Removal {
  /** The console path of the page: the thing's own path and `/remove` (`…/webhooks/:webhookId/remove`). */
  path: string;
  route: RouteKey;
  /** The owner's frame (its tabs and branding), as its other pages show it. */
  frame(c: Console, params: Params): Promise<Record<string, unknown>>;
  nameOf(c: Console, params: Params): Promise<string>;
  /** What the API removes with it (domain/commands), said to the manager before they confirm. */
  cascade: string[];
}

/** The list the thing was on: the page's path without `/:id/remove`; Cancel and a done removal go there. */
const listPath = (c: Console) => c.ctx.path.replace(/^\/ui\/console/, '').replace(/\/[^/]+\/remove$/, '');

/** A removal confirmed on its own page (confirm-delete.njk, as deleting a project or a user is). */
export function removalPage(removal: Removal): ConsolePage {
  const params = (c: Console) => c.ctx.params as Params;
  return {
    path: removal.path,
    async render(c, form, status) {
      const name = await removal.nameOf(c, params(c));
      const frame = await removal.frame(c, params(c));
      await renderConsole(
        c,
        'confirm-delete.njk',
        {
          ...frame,
          title: `Delete ${name}?`,
          form,
          confirmName: name,
          cascade: removal.cascade,
          cancelUrl: `${CONSOLE_PATH}${listPath(c)}`,
          allowed: await c.allows(removal.route, params(c)),
        },
        status,
      );
    },
    actions: { delete: { route: removal.route, done: listPath } },
  };
}
