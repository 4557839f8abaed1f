import { Schema, model } from 'mongoose';
import { idField } from './common.ts';

/**
 * The deployment's audit log: what happened to instances as wholes (created, renamed, deactivated, domains changed,
 * removed) and who did it. Not an instance's data (not in models/index.ts's domainModels): it outlives the instances
 * it names, whose own events (models/event.ts) are deleted with them. Append-only.
 */
const systemEventSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    /** `system:{operator}` for an operator of the System API, `system` for the deployment's own jobs. */
    actorId: { type: String, required: true },
    type: { type: String, required: true },
    payload: { type: Schema.Types.Mixed, default: {} },
    createdAt: { type: Date, default: () => new Date(), required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'system_events' },
);
systemEventSchema.index({ createdAt: -1, _id: -1 });
systemEventSchema.index({ instanceId: 1, createdAt: -1, _id: -1 });

export const SystemEvent = model('SystemEvent', systemEventSchema);
