import { ACTION_FLOWS, type FlowType } from '../../domain/rules/action-flows.ts';
import { renderConsole, type Console, type ConsolePage, type Params } from './kit.ts';
import { INSTANCE_OWNER, ORG_OWNER, type OwnerScope } from './webhooks.ts';

interface FlowView {
  flowType: FlowType;
  triggers: Array<{ triggerType: string; actionIds: string[] }>;
}

const params = (c: Console) => c.ctx.params as Params;
const consolePath = (c: Console) => c.ctx.path.replace(/^\/ui\/console/, '');

/**
 * A trigger's choices: its attached actions first, in the order they run, then the owner's others. The order of the
 * ticked boxes is the order sent, so a trigger keeps its order when saved again (ZITADEL's console orders by drag).
 */
function choicesOf(attached: string[], actions: Array<{ id: string; name: string }>) {
  const byId = new Map(actions.map((action) => [action.id, action]));
  const first = attached.flatMap((id) => byId.get(id) ?? []);
  const rest = actions.filter((action) => !attached.includes(action.id));
  return [...first, ...rest].map((action) => ({ value: action.id, label: action.name }));
}

/** Flows (ZITADEL's): each trigger of each flow with the owner's actions it runs, ticked where the role may set it. */
function flowsPage(scope: OwnerScope): ConsolePage {
  const setTrigger = `PUT ${scope.api}/flows/{flowType}/triggers/{triggerType}`;
  return {
    path: `${scope.path}/flows`,
    async render(c, form, status) {
      const frame = await scope.frame(c, params(c), 'Flows');
      const { actions } = await c.call<{ actions: Array<{ id: string; name: string }> }>(
        `GET ${scope.api}/actions`,
        params(c),
      );
      const flows = await Promise.all(
        (Object.keys(ACTION_FLOWS) as FlowType[]).map(async (flowType) => {
          const flow = await c.call<FlowView>(`GET ${scope.api}/flows/{flowType}`, { ...params(c), flowType });
          const triggers = flow.triggers.map(async ({ triggerType, actionIds }) => ({
            triggerType,
            actionIds,
            choices: choicesOf(actionIds, actions),
            canSet: await c.allows(setTrigger, { ...params(c), flowType, triggerType }),
          }));
          return { flowType, triggers: await Promise.all(triggers) };
        }),
      );
      await renderConsole(c, 'flows.njk', { ...frame, flows, hasActions: actions.length > 0, form }, status);
    },
    actions: {
      setTrigger: {
        route: setTrigger,
        params: (c, form) => ({
          ...params(c),
          flowType: form.get('flowType') ?? '',
          triggerType: form.get('triggerType') ?? '',
        }),
        body: (form) => ({ actionIds: form.getAll('actionIds') }),
        done: consolePath,
      },
    },
  };
}

export const flowPages: ConsolePage[] = [flowsPage(ORG_OWNER), flowsPage(INSTANCE_OWNER)];
