import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions, stateField } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

export const ACTION_TYPES = ['script', 'webhook', 'call'] as const;

/**
 * An action of an org (or of the instance, `orgId` null): a script run in the sandbox (ZITADEL v1's actions), or an
 * HTTP target (ZITADEL's Actions v2): a `webhook` is told and not waited for, a `call` answers with what to do.
 * Every change bumps `version`, and the audit trail records each version (domain/commands/actions.ts).
 */
const actionSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    orgId: { type: String, default: null },
    /** For scripts, the function the script defines and the trigger calls (ZITADEL: the action's name). */
    name: { type: String, required: true, maxlength: 200 },
    type: { type: String, enum: ACTION_TYPES, required: true },
    script: { type: String, default: null, maxlength: 65_536 },
    endpoint: { type: String, default: null, maxlength: 2000 },
    /** The HMAC key a target's requests are signed with, encrypted with the master key (returned once, at creation). */
    signingKeyEncrypted: { type: String, default: null },
    timeoutMs: { type: Number, required: true, min: 50, max: 20_000 },
    /** ZITADEL's name: when true a failing or slow action is skipped, else it fails the flow. */
    allowedToFail: { type: Boolean, default: false },
    /** Hosts (`host` or `host:port`) the script's `http.fetch` may reach; none: no `http.fetch`. */
    allowedHosts: { type: [String], default: [] },
    state: stateField,
    version: { type: Number, default: 1, required: true },
  },
  { ...schemaOptions, collection: 'actions' },
);
actionSchema.index({ instanceId: 1, orgId: 1, name: 1 }, { unique: true });

export type ActionDocument = InferSchemaType<typeof actionSchema> & { _id: string };
actionSchema.plugin(invalidateCachesOnWrite);
export const Action = model('Action', actionSchema);

/** The actions one trigger of one flow runs, in order, for an org (or the instance, `orgId` null). */
const actionFlowSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    orgId: { type: String, default: null },
    flowType: { type: String, required: true },
    triggerType: { type: String, required: true },
    actionIds: { type: [String], default: [] },
  },
  { ...schemaOptions, collection: 'action_flows' },
);
actionFlowSchema.index({ instanceId: 1, orgId: 1, flowType: 1, triggerType: 1 }, { unique: true });

export type ActionFlowDocument = InferSchemaType<typeof actionFlowSchema> & { _id: string };
actionFlowSchema.plugin(invalidateCachesOnWrite);
export const ActionFlow = model('ActionFlow', actionFlowSchema);
