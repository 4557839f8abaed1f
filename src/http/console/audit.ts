import { formErrorOf, renderConsole, type Console, type ConsolePage, type FormState } from './kit.ts';
import { orgFrame } from './org-tabs.ts';

interface EventView {
  id: string;
  type: string;
  actorId: string;
  resourceType: string;
  resourceId: string;
  createdAt: string;
}

const FILTERS = ['resourceId', 'actorId'] as const;

/**
 * GET /events pages by a cursor to older events only; the way back is the trail of the cursors of the pages before
 * (an empty one for the newest page), carried in the links. Past MAX_TRAIL pages deep, "newer" ends at the newest.
 */
const MAX_TRAIL = 20;
function trailOf(c: Console): string[] {
  const raw = new URLSearchParams(c.ctx.querystring).getAll('trail');
  return raw.slice(-MAX_TRAIL).map((cursor) => cursor.slice(0, 200));
}

/**
 * The audit trail (GET /events), newest first, filtered by resource and actor as the API filters it; the instance's
 * for its managers, an org's for the org's. A filter the API refuses is shown next to its field.
 */
async function renderAudit(c: Console, orgId: string | undefined, frame: Record<string, unknown>): Promise<void> {
  const values: FormState['values'] = {};
  for (const name of [...FILTERS, 'cursor'] as const) {
    const value = c.ctx.query[name];
    if (typeof value === 'string' && value.trim()) values[name] = value.trim();
  }
  let events: EventView[] = [];
  let nextCursor: string | null = null;
  let form: (FormState & { status: number }) | undefined;
  try {
    ({ events, nextCursor } = await c.call<{ events: EventView[]; nextCursor: string | null }>(
      'GET /events',
      {},
      undefined,
      { ...values, ...(orgId ? { orgId } : {}), limit: '50' },
    ));
  } catch (error) {
    form = formErrorOf(error, 'filter', values);
  }
  const { cursor, ...filters } = values as Record<string, string>;
  const trail = trailOf(c);
  const linkTo = (pageCursor: string | undefined, pageTrail: string[]) => {
    const query = new URLSearchParams(filters);
    if (pageCursor) query.set('cursor', pageCursor);
    for (const earlier of pageTrail) query.append('trail', earlier);
    return `?${query}`;
  };
  const paging = {
    next: nextCursor ? linkTo(nextCursor, [...trail, cursor ?? ''].slice(-MAX_TRAIL)) : null,
    previous: cursor ? linkTo(trail.at(-1) || undefined, trail.slice(0, -1)) : null,
  };
  await renderConsole(
    c,
    'audit.njk',
    { title: 'Audit trail', ...frame, events, form: form ?? { action: 'filter', values, errors: {} }, paging },
    form?.status ?? 200,
  );
}

export const instanceAuditPage: ConsolePage = {
  path: '/audit',
  render: (c) => renderAudit(c, undefined, {}),
};

export const orgAuditPage: ConsolePage = {
  path: '/orgs/:orgId/audit',
  async render(c) {
    const orgId = c.ctx.params.orgId!;
    const frame = await orgFrame(c, orgId);
    await renderAudit(c, orgId, { ...frame, title: `Audit trail of ${frame.org.name}` });
  },
};
