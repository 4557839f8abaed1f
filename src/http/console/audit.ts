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
  const next = nextCursor ? new URLSearchParams({ ...(values as Record<string, string>), cursor: nextCursor }) : null;
  await renderConsole(
    c,
    'audit.njk',
    { title: 'Audit trail', ...frame, events, form: form ?? { action: 'filter', values, errors: {} }, next },
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
