import { Event } from '../models/index.ts';

export const SYSTEM_ACTOR = 'system';

export interface EventInput {
  instanceId: string;
  orgId: string | null;
  actorId: string;
  type: string;
  resourceType: string;
  resourceId: string;
  payload?: Record<string, unknown>;
}

export async function recordEvent(input: EventInput): Promise<void> {
  await Event.create({ ...input, payload: input.payload ?? {} });
}
