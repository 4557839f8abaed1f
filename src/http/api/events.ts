import { z } from 'zod';
import { listEvents } from '../../store/queries/events.ts';
import { EVENTS } from './locators.ts';
import { route, type ApiRoute } from './route.ts';
import { id } from './schemas.ts';

/** Where the previous page of a newest-first event list ended (its `nextCursor`). */
export const eventCursor = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    const parsed = z.object({ t: z.number().int(), id }).safeParse(
      (() => {
        try {
          return JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
        } catch {
          return null;
        }
      })(),
    );
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: 'not a cursor from a previous page' });
      return z.NEVER;
    }
    return { createdAt: new Date(parsed.data.t), id: parsed.data.id };
  });

/** The cursor of the next page, or null when this one is the last (it is not full). */
export function nextEventCursor(events: ReadonlyArray<{ _id: string; createdAt: Date }>, limit: number): string | null {
  const last = events.length === limit ? events.at(-1) : undefined;
  return last ? Buffer.from(JSON.stringify({ t: last.createdAt.getTime(), id: last._id })).toString('base64url') : null;
}

const eventView = z.object({
  id: z.string(),
  type: z.string(),
  orgId: z.string().nullable(),
  actorId: z.string(),
  resourceType: z.string(),
  resourceId: z.string(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

export const eventRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/events',
    tag: 'Audit',
    summary: "The audit trail, newest first; without orgId it is the whole instance's (instance managers only)",
    permission: 'events.read',
    on: EVENTS,
    query: z.strictObject({
      orgId: id.optional(),
      resourceId: id.optional(),
      actorId: z.string().max(64).optional(),
      since: z.iso
        .datetime({ offset: true })
        .transform((value) => new Date(value))
        .optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: eventCursor.optional(),
    }),
    response: z.object({ events: z.array(eventView), nextCursor: z.string().nullable() }),
    async handler({ query, actor }) {
      const events = await listEvents(
        actor.instanceId,
        {
          orgId: query.orgId,
          resourceId: query.resourceId,
          actorId: query.actorId,
          since: query.since,
          before: query.cursor,
        },
        query.limit,
      );
      return {
        events: events.map((event) => ({
          id: event._id,
          type: event.type,
          orgId: event.orgId,
          actorId: event.actorId,
          resourceType: event.resourceType,
          resourceId: event.resourceId,
          payload: event.payload ?? {},
          createdAt: event.createdAt.toISOString(),
        })),
        nextCursor: nextEventCursor(events, query.limit),
      };
    },
  }),
];
