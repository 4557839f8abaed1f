import { guardedFetch } from '../../platform/outbound-fetch.ts';
import { signatureHeader, SIGNATURE_HEADER } from '../../platform/request-signature.ts';
import type { ActionDocument } from '../../store/models/action.ts';
import { queueTargetNotification } from '../../store/queries/webhooks.ts';
import {
  flowOfTrigger,
  TRIGGER_API,
  type ActionOperation,
  type FlowType,
  type TriggerType,
} from '../rules/action-flows.ts';
import type { ActionContextData } from '../rules/action-context.ts';
import { guestInput, guestSource } from './guest-source.ts';
import { actionRuntime, TARGET_KEY_PURPOSE, type ActionRuntime } from './runtime.ts';

const MAX_CALL_RESPONSE_BYTES = 256 * 1024;

/** What an HTTP target receives: the trigger and the same read-only views a script gets as `ctx.v1`. */
function targetBody(action: ActionDocument, flow: FlowType, trigger: TriggerType, data: ActionContextData): string {
  return JSON.stringify({
    action: { id: action._id, name: action.name },
    flow,
    trigger,
    user: data.v1.user,
    org: data.v1.org,
    ...(data.v1.externalUser ? { externalUser: data.v1.externalUser, providerInfo: data.v1.providerInfo } : {}),
    metadata: data.metadata,
  });
}

async function post(runtime: ActionRuntime, action: ActionDocument, body: string): Promise<Response> {
  const key = runtime.masterKey.decrypt(action.signingKeyEncrypted ?? '', TARGET_KEY_PURPOSE);
  return guardedFetch(runtime.outbound)(action.endpoint ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureHeader(key, body) },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(action.timeoutMs),
  });
}

/**
 * A `call` target's answer as operations, in the names of ZITADEL's Actions v2 responses (`append_claims`,
 * `append_log_claims`, `set_user_metadata`) plus Castellan's `append_roles` and `denied`.
 */
export function callAnswerOperations(answer: unknown): ActionOperation[] {
  if (!answer || typeof answer !== 'object') return [];
  const reply = answer as Record<string, unknown>;
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const entry = (value: unknown) => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
  return [
    ...list(reply.append_claims).map((claim) => ({ name: 'setClaim', args: [entry(claim).key, entry(claim).value] })),
    ...list(reply.append_roles).map((role) => ({ name: 'appendRoleToClaims', args: [role] })),
    ...list(reply.append_log_claims).map((line) => ({ name: 'appendLogIntoClaims', args: [line] })),
    ...list(reply.set_user_metadata).map((item) => ({
      name: 'appendMetadata',
      args: [entry(item).key, entry(item).value],
    })),
    ...(typeof reply.denied === 'string' ? [{ name: 'setDenied', args: [reply.denied] }] : []),
  ];
}

async function callTarget(runtime: ActionRuntime, action: ActionDocument, body: string): Promise<ActionOperation[]> {
  const response = await post(runtime, action, body);
  const text = await response.text();
  if (!response.ok) throw new Error(`the target answered ${response.status}`);
  if (text.length > MAX_CALL_RESPONSE_BYTES) throw new Error('the target answered too much');
  return callAnswerOperations(text ? JSON.parse(text) : {});
}

/**
 * Fire and forget: a webhook target never holds up or fails the flow. The notification goes through the change
 * webhooks' durable outbox (domain/webhooks/delivery.ts): signed with the action's key, retried with backoff by any
 * process, across restarts.
 */
async function notifyTarget(action: ActionDocument, trigger: TriggerType, data: ActionContextData, body: string) {
  await queueTargetNotification({
    instanceId: action.instanceId,
    actionId: action._id,
    trigger,
    // A user not created yet (pre-creation) has no id: its notifications queue with the action's others.
    userId: typeof data.v1.user.id === 'string' ? data.v1.user.id : action._id,
    body,
  });
}

async function runScript(runtime: ActionRuntime, action: ActionDocument, trigger: TriggerType, data: unknown) {
  const outcome = await runtime.pool.run({
    source: guestSource(action.name, action.script ?? ''),
    input: guestInput(trigger, data),
    timeoutMs: action.timeoutMs,
    memoryBytes: runtime.config.memoryBytes,
    allowedHosts: action.allowedHosts,
    fetchTimeoutMs: runtime.config.fetchTimeoutMs,
    outbound: runtime.outbound,
  });
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.operations;
}

/**
 * Runs one action for a trigger: what it asks for, limited to what the trigger offers (domain/rules/action-flows.ts).
 * Throws when the action fails (an error, a timeout, a refused fetch, a target's error); whether that fails the flow
 * is the caller's decision (the action's `allowedToFail`).
 */
export async function runAction(
  action: ActionDocument,
  trigger: TriggerType,
  data: ActionContextData,
  flow: FlowType = flowOfTrigger(trigger),
): Promise<ActionOperation[]> {
  const runtime = actionRuntime();
  const allowed = new Set<string>(TRIGGER_API[trigger]);
  let operations: ActionOperation[];
  if (action.type === 'script') operations = await runScript(runtime, action, trigger, data);
  else if (action.type === 'call')
    operations = await callTarget(runtime, action, targetBody(action, flow, trigger, data));
  else {
    await notifyTarget(action, trigger, data, targetBody(action, flow, trigger, data));
    operations = [];
  }
  return operations.filter((operation) => allowed.has(operation.name));
}
