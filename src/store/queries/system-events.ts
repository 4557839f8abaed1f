import { SystemEvent } from '../models/system-event.ts';
import { olderThan } from './events.ts';

export interface SystemEventInput {
  instanceId: string;
  actorId: string;
  type: string;
  payload?: Record<string, unknown>;
}

export type StoredSystemEvent = Required<SystemEventInput> & { _id: string; createdAt: Date };

export async function recordSystemEvent(input: SystemEventInput): Promise<void> {
  await SystemEvent.create({ ...input, payload: input.payload ?? {} });
}

export interface SystemEventFilter {
  instanceId?: string;
  /** Continue after this event (the last one of the previous page). */
  before?: { createdAt: Date; id: string };
}

/** The deployment's audit log, newest first (by `createdAt`, then `_id`), as store/queries/events.ts pages. */
export function listSystemEvents(filter: SystemEventFilter, limit: number): Promise<StoredSystemEvent[]> {
  const query: Record<string, unknown> = {};
  if (filter.instanceId) query.instanceId = filter.instanceId;
  if (filter.before) {
    query.createdAt = { $lte: filter.before.createdAt };
    query.$or = olderThan(filter.before);
  }
  return SystemEvent.find(query).sort({ createdAt: -1, _id: -1 }).limit(limit).lean<StoredSystemEvent[]>();
}
