import { z } from 'zod';
import { clearFlow, flowTriggers, setTriggerActions } from '../../domain/commands/actions.ts';
import { ACTION_FLOWS, type FlowType, type TriggerType } from '../../domain/rules/action-flows.ts';
import { invalidField } from '../../domain/errors.ts';
import { OWNER_SCOPES } from './action-owners.ts';
import { route, type ApiRoute } from './route.ts';
import { id } from './schemas.ts';

const TAG = 'Actions';

const flowView = z.object({
  flowType: z.string(),
  triggers: z.array(z.object({ triggerType: z.string(), actionIds: z.array(z.string()) })),
});

function flowTypeOf(raw: string | undefined): FlowType {
  if (raw && Object.hasOwn(ACTION_FLOWS, raw)) return raw as FlowType;
  throw invalidField('flowType', `must be one of ${Object.keys(ACTION_FLOWS).join(', ')}`);
}

function triggerTypeOf(flowType: FlowType, raw: string | undefined): TriggerType {
  const triggers = ACTION_FLOWS[flowType] as readonly string[];
  if (raw && triggers.includes(raw)) return raw as TriggerType;
  throw invalidField('triggerType', `the ${flowType} flow has the triggers ${triggers.join(', ')}`);
}

/** Flows of an org or of the instance: which actions each trigger runs, in order (ZITADEL's org.flow.* APIs). */
export const flowRoutes: ApiRoute[] = OWNER_SCOPES.flatMap(({ base, on, prefix }) => [
  route({
    method: 'get',
    path: `${base}/flows/{flowType}`,
    tag: TAG,
    summary: 'A flow: the actions each of its triggers runs, in order',
    permission: `${prefix}.flow.read`,
    on,
    response: flowView,
    async handler({ target, actor, params }) {
      const flowType = flowTypeOf(params.flowType);
      const stored = await flowTriggers(actor.instanceId, target, flowType);
      return {
        flowType,
        triggers: ACTION_FLOWS[flowType].map((triggerType) => ({
          triggerType,
          actionIds: stored.find((flow) => flow.triggerType === triggerType)?.actionIds ?? [],
        })),
      };
    },
  }),
  route({
    method: 'put',
    path: `${base}/flows/{flowType}/triggers/{triggerType}`,
    tag: TAG,
    summary: "Set the actions a trigger runs, in order (the owner's own actions; an empty list detaches all)",
    permission: `${prefix}.flow.write`,
    on,
    body: z.strictObject({ actionIds: z.array(id).max(50) }),
    response: null,
    async handler({ target, actor, params, body }) {
      const flowType = flowTypeOf(params.flowType);
      await setTriggerActions(actor, target, flowType, triggerTypeOf(flowType, params.triggerType), body.actionIds);
    },
  }),
  route({
    method: 'delete',
    path: `${base}/flows/{flowType}`,
    tag: TAG,
    summary: 'Clear a flow: no trigger of it runs any action',
    permission: `${prefix}.flow.delete`,
    on,
    response: null,
    handler: ({ target, actor, params }) => clearFlow(actor, target, flowTypeOf(params.flowType)),
  }),
]);
