import type { ActionDocument } from '../../store/models/action.ts';
import { findOrg } from '../../store/queries/accounts.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { actionContextData } from '../rules/action-context.ts';
import {
  applyClaimOperations,
  deniedReason,
  metadataOf,
  type ActionOperation,
  type TriggerType,
} from '../rules/action-flows.ts';
import { runAction } from './run-action.ts';

export interface ActionTrial {
  operations: ActionOperation[];
  /** The claims it would add (to a token with no other claims, roles asserted). */
  claims: Record<string, unknown>;
  denied: string | null;
  metadata: Record<string, string>;
  /** Why it failed; a real flow would then fail or skip it, by its `allowedToFail`. */
  error: string | null;
}

/** Runs one action for a user as the trigger would, and reports what it would do; nothing is applied. */
export async function tryAction(
  instanceId: string,
  action: ActionDocument,
  user: UserDocument,
  trigger: TriggerType,
): Promise<ActionTrial> {
  const org = await findOrg(instanceId, user.orgId);
  let operations: ActionOperation[] = [];
  let error: string | null = null;
  try {
    operations = await runAction(action, trigger, actionContextData(user, org));
  } catch (caught) {
    error = (caught as Error).message;
  }
  const roles = {
    asserted: true,
    orgId: user.orgId,
    orgPrimaryDomain: org?.primaryDomain ?? '',
    currentProjectId: null,
    flat: false,
  };
  return {
    operations,
    claims: applyClaimOperations({}, action.name, operations, roles),
    denied: deniedReason(operations),
    metadata: metadataOf(operations),
    error,
  };
}
