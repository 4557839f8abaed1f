import { Schema, model } from 'mongoose';

/**
 * Which instance a host name belongs to: one document per domain, keyed by the domain, so the unique `_id` makes a
 * domain belong to at most one instance on FerretDB and MongoDB alike (FerretDB v1 enforces no unique index on the
 * elements of `Instance.domains`, which host look-ups read). Claimed before the instance lists the domain, released
 * after it no longer does.
 */
const instanceDomainSchema = new Schema<{ _id: string; instanceId: string }>(
  {
    _id: { type: String, required: true },
    instanceId: { type: String, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'instance_domains', timestamps: true },
);
instanceDomainSchema.index({ instanceId: 1 });

export const InstanceDomain = model('InstanceDomain', instanceDomainSchema);
