import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { SystemEvent } from '../models/system-event.ts';
import { deleteStreamed, keyedCollection, type DeletionStep } from './batched-deletes.ts';
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

/** Events deleted per step of the retention: small, so that the sweep never holds the database for long. */
const RETENTION_BATCH = 100;

/**
 * The audit log's retention (config `system.eventRetentionDays`): deletes the events recorded before `cutoff`, a small
 * batch per step with the event loop free between them. Run by the sweeper (store/database/sweeper.ts) rather than a
 * TTL index, which FerretDB v1 does not apply (docs/portable-mongodb.md).
 */
export function deleteSystemEventsBefore(cutoff: Date): Promise<number> {
  const step: DeletionStep = async (work) => {
    const result = await work();
    await yieldToOthers();
    return result;
  };
  return deleteStreamed(keyedCollection(SystemEvent), { createdAt: { $lt: cutoff } }, () => true, {
    batchSize: RETENTION_BATCH,
    step,
  });
}
