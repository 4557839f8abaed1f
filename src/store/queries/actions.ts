import { Action, ActionFlow, type ActionDocument } from '../models/action.ts';
import { cached } from '../cache/instance-cache.ts';
import { cacheKeys } from '../cache/keys.ts';

export function findActionById(actionId: string): Promise<ActionDocument | null> {
  return Action.findById(actionId).lean<ActionDocument>();
}

/**
 * The active actions a trigger runs for a user of `orgId`, in order: the instance's flow first, then the org's (each
 * in the order its trigger lists them). Cached, since claims are built on every token, userinfo and introspection:
 * with no action attached this is one cache hit; writes to actions and flows drop the instance's cache.
 */
export function actionsOfTrigger(
  instanceId: string,
  orgId: string,
  flowType: string,
  triggerType: string,
): Promise<ActionDocument[]> {
  return cached(instanceId, cacheKeys.triggerActions(orgId, flowType, triggerType), async () => {
    const flows = await ActionFlow.find({ instanceId, orgId: { $in: [null, orgId] }, flowType, triggerType }).lean();
    const ordered = [
      ...(flows.find((flow) => flow.orgId === null)?.actionIds ?? []),
      ...(flows.find((flow) => flow.orgId === orgId)?.actionIds ?? []),
    ];
    if (ordered.length === 0) return [];
    const actions = await Action.find({ instanceId, _id: { $in: ordered }, state: 'active' }).lean<ActionDocument[]>();
    const byId = new Map(actions.map((action) => [action._id, action]));
    return ordered.flatMap((id) => byId.get(id) ?? []);
  });
}
