import { z } from 'zod';
import { listSystemEvents } from '../../store/queries/system-events.ts';
import { eventCursor, nextEventCursor } from '../api/events.ts';
import { SYSTEM_PERMISSIONS } from './authenticate.ts';
import { systemRoute, type SystemRoute } from './route.ts';

const systemEventView = z.object({
  id: z.string(),
  instanceId: z.string(),
  /** `system:{operator}`, or `system` for the deployment's own jobs. */
  actor: z.string(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});

export const systemEventRoutes: SystemRoute[] = [
  systemRoute({
    method: 'get',
    path: '/events',
    tag: 'Audit',
    summary:
      "The deployment's audit log, newest first: instances created, renamed, deactivated, reactivated, their " +
      'domains and settings changed by operators, removals asked and finished. Kept after an instance is removed ' +
      '(its own audit trail goes with it). Paged by `nextCursor`',
    permission: SYSTEM_PERMISSIONS.read,
    query: z.strictObject({
      instanceId: z.string().min(1).max(64).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      cursor: eventCursor.optional(),
    }),
    response: z.object({ events: z.array(systemEventView), nextCursor: z.string().nullable() }),
    handler: async ({ query }) => {
      const events = await listSystemEvents({ instanceId: query.instanceId, before: query.cursor }, query.limit);
      return {
        events: events.map((event) => ({
          id: event._id,
          instanceId: event.instanceId,
          actor: event.actorId,
          type: event.type,
          payload: event.payload ?? {},
          createdAt: event.createdAt.toISOString(),
        })),
        nextCursor: nextEventCursor(events, query.limit),
      };
    },
  }),
];
