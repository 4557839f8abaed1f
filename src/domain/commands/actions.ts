import { randomSecret, type MasterKey } from '../../platform/crypto.ts';
import { Action, ActionFlow, type ActionDocument, type ActionFlowDocument } from '../../store/models/action.ts';
import { ACTION_FLOWS, type FlowType, type TriggerType } from '../rules/action-flows.ts';
import { TARGET_KEY_PURPOSE } from '../actions/runtime.ts';
import { scriptSyntaxProblem } from '../actions/syntax-check.ts';
import { invalidField, notFound } from '../errors.ts';
import { asOneChange, recordChange, uniquely, type Actor } from './changes.ts';

/** Whose actions and flows: an org's, or the instance's own (`orgId` null). */
export type ActionOwner = { orgId: string | null };

export interface ActionSettings {
  name: string;
  type: 'script' | 'webhook' | 'call';
  script?: string | null;
  endpoint?: string | null;
  timeoutMs: number;
  allowedToFail: boolean;
  allowedHosts: string[];
}

const DUPLICATE_NAME = 'an action with this name exists';

/**
 * Each field belongs to one kind of action: one given to the other kind is refused, never ignored; a script that does
 * not parse is refused with its line.
 */
async function checkSettings(settings: ActionSettings): Promise<void> {
  if (settings.type === 'script') {
    if (!settings.script) throw invalidField('script', 'a script action needs its script');
    if (settings.endpoint) throw invalidField('endpoint', 'a script action has no endpoint');
    const syntaxProblem = await scriptSyntaxProblem(settings.script);
    if (syntaxProblem) throw invalidField('script', syntaxProblem);
  } else {
    if (!settings.endpoint) throw invalidField('endpoint', `a ${settings.type} action needs its endpoint`);
    if (settings.script) throw invalidField('script', `a ${settings.type} action has no script`);
    if (settings.allowedHosts.length) throw invalidField('allowedHosts', 'only scripts fetch');
  }
}

/** What the audit trail keeps of each version: everything but the signing key. */
function versionPayload(action: ActionDocument): Record<string, unknown> {
  const { name, type, script, endpoint, timeoutMs, allowedToFail, allowedHosts, state, version } = action;
  return { name, type, script, endpoint, timeoutMs, allowedToFail, allowedHosts, state, version };
}

export function findAction(instanceId: string, owner: ActionOwner, actionId: string): Promise<ActionDocument | null> {
  return Action.findOne({ instanceId, orgId: owner.orgId, _id: actionId }).lean<ActionDocument>();
}

export function listActions(instanceId: string, owner: ActionOwner): Promise<ActionDocument[]> {
  return Action.find({ instanceId, orgId: owner.orgId }).sort({ _id: 1 }).limit(1000).lean<ActionDocument[]>();
}

/** A new action; a target's signing key is generated here and returned this once (stored encrypted). */
export async function createAction(
  actor: Actor,
  owner: ActionOwner,
  settings: ActionSettings,
  masterKey: MasterKey,
): Promise<{ action: ActionDocument; signingKey: string | null }> {
  await checkSettings(settings);
  return asOneChange(actor, async () => {
    const signingKey = settings.type === 'script' ? null : randomSecret();
    const created = await uniquely(
      () =>
        Action.create({
          instanceId: actor.instanceId,
          orgId: owner.orgId,
          ...settings,
          signingKeyEncrypted: signingKey ? masterKey.encrypt(signingKey, TARGET_KEY_PURPOSE) : null,
        }),
      DUPLICATE_NAME,
    );
    const action = created.toObject() as ActionDocument;
    await recordChange(actor, {
      orgId: owner.orgId,
      type: 'action.added',
      resourceType: 'action',
      resourceId: action._id,
      payload: versionPayload(action),
    });
    return { action, signingKey };
  });
}

/** Replaces an action's settings (and state) as a new version; the audit trail records each version in full. */
export async function updateAction(
  actor: Actor,
  action: ActionDocument,
  settings: ActionSettings & { state: 'active' | 'inactive' },
): Promise<ActionDocument> {
  await checkSettings(settings);
  if (settings.type !== action.type) throw invalidField('type', 'the type of an action cannot change');
  return asOneChange(actor, async () => {
    const updated = await uniquely(
      () =>
        Action.findOneAndUpdate(
          { _id: action._id, instanceId: actor.instanceId, version: action.version },
          { $set: { ...settings, version: action.version + 1 } },
          { returnDocument: 'after' },
        ).lean<ActionDocument>(),
      DUPLICATE_NAME,
    );
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: action.orgId ?? null,
      type: 'action.changed',
      resourceType: 'action',
      resourceId: action._id,
      payload: versionPayload(updated),
    });
    return updated;
  });
}

/** Removes an action, and takes it out of every trigger that runs it (as ZITADEL does). */
export function removeAction(actor: Actor, action: ActionDocument): Promise<void> {
  return asOneChange(actor, async () => {
    await Action.deleteOne({ _id: action._id, instanceId: actor.instanceId });
    const flows = await ActionFlow.find({ instanceId: actor.instanceId, actionIds: action._id }).lean();
    for (const flow of flows)
      await ActionFlow.updateOne(
        { _id: flow._id },
        { $set: { actionIds: flow.actionIds.filter((id) => id !== action._id) } },
      );
    await recordChange(actor, {
      orgId: action.orgId ?? null,
      type: 'action.removed',
      resourceType: 'action',
      resourceId: action._id,
      payload: { name: action.name, version: action.version },
    });
  });
}

export function flowTriggers(
  instanceId: string,
  owner: ActionOwner,
  flowType: FlowType,
): Promise<ActionFlowDocument[]> {
  return ActionFlow.find({ instanceId, orgId: owner.orgId, flowType }).lean<ActionFlowDocument[]>();
}

/** The actions a trigger runs, in order (ZITADEL's SetTriggerActions): the owner's own actions only. */
export function setTriggerActions(
  actor: Actor,
  owner: ActionOwner,
  flowType: FlowType,
  triggerType: TriggerType,
  actionIds: string[],
): Promise<void> {
  if (!(ACTION_FLOWS[flowType] as readonly string[]).includes(triggerType))
    throw invalidField('triggerType', `the ${flowType} flow has no trigger ${triggerType}`);
  if (new Set(actionIds).size !== actionIds.length) throw invalidField('actionIds', 'an action is listed twice');
  return asOneChange(actor, async () => {
    const { instanceId } = actor;
    const found = await Action.countDocuments({ instanceId, orgId: owner.orgId, _id: { $in: actionIds } });
    if (found !== actionIds.length) throw invalidField('actionIds', 'not all are actions of this owner');
    const where = { instanceId, orgId: owner.orgId, flowType, triggerType };
    // Not an upsert: the unique index turns a concurrent first write into a conflict the caller may retry.
    const existing = await ActionFlow.findOne(where, { _id: 1 }).lean();
    if (existing) await ActionFlow.updateOne({ _id: existing._id }, { $set: { actionIds } });
    else await uniquely(() => ActionFlow.create({ ...where, actionIds }), 'the trigger is being changed; retry');
    await recordChange(actor, {
      orgId: owner.orgId,
      type: 'flow.trigger.set',
      resourceType: 'flow',
      resourceId: `${owner.orgId ?? instanceId}:${flowType}`,
      payload: { flowType, triggerType, actionIds },
    });
  });
}

/** Empties every trigger of a flow (ZITADEL's ClearFlow). */
export function clearFlow(actor: Actor, owner: ActionOwner, flowType: FlowType): Promise<void> {
  return asOneChange(actor, async () => {
    await ActionFlow.deleteMany({ instanceId: actor.instanceId, orgId: owner.orgId, flowType });
    await recordChange(actor, {
      orgId: owner.orgId,
      type: 'flow.cleared',
      resourceType: 'flow',
      resourceId: `${owner.orgId ?? actor.instanceId}:${flowType}`,
      payload: { flowType },
    });
  });
}
