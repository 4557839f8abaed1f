import { counter } from '../../platform/metrics.ts';
import type { ActionDocument } from '../../store/models/action.ts';
import { actionsOfTrigger } from '../../store/queries/actions.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import { findScoped } from '../../store/queries/scoped.ts';
import { User } from '../../store/models/index.ts';
import {
  actionContextData,
  withLogin,
  type ActionContextData,
  type ExternalActionContext,
  type LoginActionContext,
  type ActionOrgSource,
  type ActionUserSource,
} from '../rules/action-context.ts';
import {
  applyClaimOperations,
  deniedReason,
  metadataOf,
  type ActionOperation,
  type FlowType,
  type RoleAppend,
  type TriggerType,
} from '../rules/action-flows.ts';
import { withProfileOf, type DraftProfile } from '../rules/pre-creation-profile.ts';
import { DomainError } from '../errors.ts';
import { runAction } from './run-action.ts';
import { actionRuntime } from './runtime.ts';

export type { ExternalActionContext, LoginActionContext };

/** The internal flow's triggers, or the external-authentication flow's (with the upstream's views) after an IdP. */
const flowOf = (external: ExternalActionContext | undefined): FlowType =>
  external ? 'external-authentication' : 'internal-authentication';

const runs = () =>
  counter('castellan_action_runs_total', 'Actions run, by trigger and outcome (ok, failed, skipped)', [
    'trigger',
    'outcome',
  ]);

/** An action that failed and was not allowed to: the flow fails with it. */
export class ActionFailedError extends Error {
  readonly actionName: string;
  constructor(actionName: string, reason: string) {
    super(`the action ${actionName} failed: ${reason}`);
    this.actionName = actionName;
  }
}

export interface ActionResult {
  action: ActionDocument;
  operations: ActionOperation[];
}

/**
 * Runs the trigger's actions in order. A failing action is skipped when it is `allowedToFail` (ZITADEL's flag), and
 * otherwise fails the whole flow (ActionFailedError); a denial stops the actions after it.
 */
export async function runTriggerActions(
  actions: readonly ActionDocument[],
  trigger: TriggerType,
  data: ActionContextData,
  flow: FlowType,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const action of actions) {
    try {
      const operations = await runAction(action, trigger, data, flow);
      runs().inc({ trigger, outcome: 'ok' });
      results.push({ action, operations });
      if (deniedReason(operations)) break;
    } catch (error) {
      const reason = (error as Error).message;
      runs().inc({ trigger, outcome: action.allowedToFail ? 'skipped' : 'failed' });
      actionRuntime().log.warn({ actionId: action._id, trigger, reason }, 'action failed');
      if (!action.allowedToFail) throw new ActionFailedError(action.name, reason);
    }
  }
  return results;
}

/** The claims after the complement-token trigger's actions (pre-userinfo or pre-access-token creation). */
export async function complementClaims(
  instanceId: string,
  trigger: 'pre-userinfo-creation' | 'pre-access-token-creation',
  account: { user: ActionUserSource & { _id: string }; org: ActionOrgSource },
  claims: Record<string, unknown>,
  roles: Omit<RoleAppend, 'orgId' | 'orgPrimaryDomain'>,
): Promise<Record<string, unknown>> {
  const actions = await actionsOfTrigger(instanceId, account.user.orgId, 'complement-token', trigger);
  if (actions.length === 0) return claims;
  const data = actionContextData(account.user, account.org);
  const results = await runTriggerActions(actions, trigger, data, 'complement-token');
  const target = { ...roles, orgId: account.org._id, orgPrimaryDomain: account.org.primaryDomain };
  return results.reduce(
    (complemented, { action, operations }) => applyClaimOperations(complemented, action.name, operations, target),
    claims,
  );
}

/**
 * Why the login of `userId` is denied by the pre- or post-authentication trigger's actions, or null. A failed action
 * that may not fail denies the login too (without its reason, which is for the operator's log). With `external`, the
 * external-authentication flow's post-authentication runs (a login through an IdP); `authRequest` is the login's
 * authorization request as scripts read it (`ctx.v1.authRequest`, rules/action-context.ts authRequestView).
 */
export async function loginDenial(
  instanceId: string,
  trigger: 'pre-authentication' | 'post-authentication',
  user: { _id: string; orgId: string },
  login: LoginActionContext = {},
): Promise<string | null> {
  const flow = flowOf(login.external);
  const actions = await actionsOfTrigger(instanceId, user.orgId, flow, trigger);
  if (actions.length === 0) return null;
  const [stored, org] = await Promise.all([
    findScoped(User, instanceId, user._id, {}, { 'human.passwordHash': 0 }),
    findOrg(instanceId, user.orgId),
  ]);
  if (!stored) return null;
  try {
    const data = withLogin(actionContextData(stored, org), login);
    const results = await runTriggerActions(actions, trigger, data, flow);
    return results.map(({ operations }) => deniedReason(operations)).find(Boolean) ?? null;
  } catch (error) {
    if (error instanceof ActionFailedError) return 'The login could not be completed. Please try again later.';
    throw error;
  }
}

/**
 * The pre-creation trigger for a human user about to be created: the metadata its actions add and the profile they set
 * (ZITADEL's setters, domain/rules/pre-creation-profile.ts: names, username, email, phone, language, gender).
 * A denial, or a failed action that may not fail, refuses the creation (400 with the reason on the API, the message on
 * the registration). A just-in-time user from an IdP (`login.external`) runs the external-authentication flow's
 * pre-creation instead of the internal one, as ZITADEL does: each creation runs one flow's trigger, once. A creation
 * during a login (registration, just-in-time) gives the scripts the login's authorization request too, as ZITADEL's
 * pre-creation does (https://zitadel.com/docs/apis/actions/internal-authentication).
 */
export async function preCreation<Human extends DraftProfile['human']>(
  instanceId: string,
  draft: ActionUserSource & { username: string; human: Human },
  login: LoginActionContext = {},
): Promise<{ metadata: Record<string, string>; username: string; human: Human }> {
  const flow = flowOf(login.external);
  const actions = await actionsOfTrigger(instanceId, draft.orgId, flow, 'pre-creation');
  if (actions.length === 0) return { metadata: {}, username: draft.username, human: draft.human };
  const org = await findOrg(instanceId, draft.orgId);
  let operations: ActionOperation[];
  try {
    const data = withLogin(actionContextData(draft, org), login);
    const results = await runTriggerActions(actions, 'pre-creation', data, flow);
    operations = results.flatMap((result) => result.operations);
  } catch (error) {
    if (error instanceof ActionFailedError) throw new DomainError('invalid', error.message, { actionFailed: true });
    throw error;
  }
  const denied = deniedReason(operations);
  if (denied) throw new DomainError('invalid', denied, { deniedByAction: true });
  const { username, human } = withProfileOf({ username: draft.username, human: draft.human }, operations);
  return { metadata: metadataOf(operations), username, human };
}

/**
 * The post-creation trigger, for notification (scripts with `http.fetch`, targets): nothing it asks is applied, and
 * a failure is logged only, for the user exists by then. `login` as for preCreation.
 */
export async function afterUserCreation(
  instanceId: string,
  user: ActionUserSource,
  login: LoginActionContext = {},
): Promise<void> {
  const flow = flowOf(login.external);
  const actions = await actionsOfTrigger(instanceId, user.orgId, flow, 'post-creation');
  if (actions.length === 0) return;
  const data = withLogin(actionContextData(user, await findOrg(instanceId, user.orgId)), login);
  await runTriggerActions(actions, 'post-creation', data, flow).catch((error: unknown) => {
    if (!(error instanceof ActionFailedError)) throw error;
  });
}
