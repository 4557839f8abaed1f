import { z } from 'zod';
import {
  createAction,
  findAction,
  listActions,
  removeAction,
  updateAction,
  type ActionOwner,
} from '../../domain/commands/actions.ts';
import { ACTION_NAME_PATTERN } from '../../domain/actions/guest-source.ts';
import { tryAction } from '../../domain/actions/test-run.ts';
import { findUser } from '../../domain/commands/users.ts';
import { ACTION_FLOWS, type TriggerType } from '../../domain/rules/action-flows.ts';
import { notFound } from '../../domain/errors.ts';
import type { ActionDocument } from '../../store/models/action.ts';
import { OWNER_SCOPES } from './action-owners.ts';
import { route, type ApiRoute } from './route.ts';
import { id, state } from './schemas.ts';

const TAG = 'Actions';
// A trigger of several flows (post-authentication, pre- and post-creation) is listed once.
const TRIGGERS = [...new Set(Object.values(ACTION_FLOWS).flat())] as [TriggerType, ...TriggerType[]];

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .describe('where a webhook or call target is posted to');
const host = z
  .string()
  .max(260)
  .regex(/^[a-z0-9.-]+(:\d{1,5})?$/i, 'must be a host name, optionally with :port');

const settings = z.strictObject({
  name: z.string().regex(ACTION_NAME_PATTERN, 'must be a JavaScript identifier (the function the script defines)'),
  type: z.enum(['script', 'webhook', 'call']).default('script'),
  script: z.string().min(1).max(65_536).optional(),
  endpoint: httpUrl.optional(),
  timeoutMs: z.number().int().min(50).max(20_000).optional(),
  allowedToFail: z.boolean().default(false),
  allowedHosts: z.array(host).max(20).default([]),
});

const actionView = z.object({
  id: z.string(),
  orgId: z.string().nullable(),
  name: z.string(),
  type: z.string(),
  script: z.string().nullable(),
  endpoint: z.string().nullable(),
  timeoutMs: z.number(),
  allowedToFail: z.boolean(),
  allowedHosts: z.array(z.string()),
  state: z.string(),
  version: z.number(),
});

function view(action: ActionDocument): z.input<typeof actionView> {
  return {
    id: action._id,
    orgId: action.orgId ?? null,
    name: action.name,
    type: action.type,
    script: action.script ?? null,
    endpoint: action.endpoint ?? null,
    timeoutMs: action.timeoutMs,
    allowedToFail: action.allowedToFail,
    allowedHosts: action.allowedHosts,
    state: action.state,
    version: action.version,
  };
}

async function requireAction(instanceId: string, owner: ActionOwner, actionId: string | undefined) {
  const action = await findAction(instanceId, owner, actionId ?? '');
  if (!action) throw notFound();
  return action;
}

/** Actions (scripts and HTTP targets) of an org or of the instance: ZITADEL's org.action.* / iam.action.* APIs. */
export const actionRoutes: ApiRoute[] = OWNER_SCOPES.flatMap(({ base, on, prefix }) => [
  route({
    method: 'post',
    path: `${base}/actions`,
    tag: TAG,
    summary: 'Create an action; a webhook or call target gets its signing key, returned this once',
    permission: `${prefix}.action.write`,
    on,
    body: settings,
    status: 201,
    response: actionView.extend({ signingKey: z.string().nullable() }),
    async handler({ target, body, actor, services }) {
      const timeoutMs = body.timeoutMs ?? services.config.actions.defaultTimeoutMs;
      const input = { ...body, timeoutMs, script: body.script ?? null, endpoint: body.endpoint ?? null };
      const { action, signingKey } = await createAction(actor, target, input, services.masterKey);
      return { ...view(action), signingKey };
    },
  }),
  route({
    method: 'get',
    path: `${base}/actions`,
    tag: TAG,
    summary: 'The actions',
    permission: `${prefix}.action.read`,
    on,
    response: z.object({ actions: z.array(actionView) }),
    handler: async ({ target, actor }) => ({ actions: (await listActions(actor.instanceId, target)).map(view) }),
  }),
  route({
    method: 'get',
    path: `${base}/actions/{actionId}`,
    tag: TAG,
    summary: 'One action',
    permission: `${prefix}.action.read`,
    on,
    response: actionView,
    handler: async ({ target, actor, params }) => view(await requireAction(actor.instanceId, target, params.actionId)),
  }),
  route({
    method: 'put',
    path: `${base}/actions/{actionId}`,
    tag: TAG,
    summary: "Replace an action's settings: a new version, recorded in full in the audit trail",
    permission: `${prefix}.action.write`,
    on,
    body: settings.extend({ state: state.default('active') }),
    response: actionView,
    async handler({ target, actor, params, body, services }) {
      const action = await requireAction(actor.instanceId, target, params.actionId);
      const timeoutMs = body.timeoutMs ?? services.config.actions.defaultTimeoutMs;
      const input = { ...body, timeoutMs, script: body.script ?? null, endpoint: body.endpoint ?? null };
      return view(await updateAction(actor, action, input));
    },
  }),
  route({
    method: 'delete',
    path: `${base}/actions/{actionId}`,
    tag: TAG,
    summary: 'Remove an action (and take it out of every trigger)',
    permission: `${prefix}.action.delete`,
    on,
    response: null,
    async handler({ target, actor, params }) {
      await removeAction(actor, await requireAction(actor.instanceId, target, params.actionId));
    },
  }),
  route({
    method: 'post',
    path: `${base}/actions/{actionId}/test`,
    tag: TAG,
    summary: 'Run an action against a user of the owner as a trigger would; returns what it would do, applies nothing',
    permission: `${prefix}.action.write`,
    on,
    body: z.strictObject({ userId: id, trigger: z.enum(TRIGGERS).default('pre-userinfo-creation') }),
    response: z.object({
      operations: z.array(z.object({ name: z.string(), args: z.array(z.unknown()) })),
      claims: z.record(z.string(), z.unknown()),
      denied: z.string().nullable(),
      metadata: z.record(z.string(), z.string()),
      error: z.string().nullable(),
    }),
    async handler({ target, actor, params, body }) {
      const action = await requireAction(actor.instanceId, target, params.actionId);
      const user = await findUser(actor.instanceId, body.userId);
      // An org's action runs for its own users only, as in a real flow.
      if (!user || (target.orgId !== null && user.orgId !== target.orgId)) throw notFound();
      return tryAction(actor.instanceId, action, user, body.trigger);
    },
  }),
]);
