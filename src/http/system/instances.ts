import { z } from 'zod';
import {
  addInstanceDomain,
  countInstances,
  findInstance,
  listInstances,
  removeInstanceDomain,
  setInstanceState,
  setPrimaryDomain,
  updateInstance,
  type InstanceRecord,
} from '../../domain/commands/instance-admin.ts';
import { requestInstanceRemoval } from '../../domain/commands/instance-removal.ts';
import { createInstance } from '../../domain/commands/instances.ts';
import { INSTANCE_STATES } from '../../store/models/instance.ts';
import { instanceUsage } from '../../store/queries/instance-usage.ts';
import { loginPolicyOverride } from '../api/login-policy.ts';
import { domain, name, page, tokenLifetimesChange, tokenLifetimesView, username } from '../api/schemas.ts';
import { smtpInput } from '../api/smtp.ts';
import { email, password } from '../api/users.ts';
import { SYSTEM_PERMISSIONS } from './authenticate.ts';
import { systemRoute, type SystemRoute } from './route.ts';

const TAG = 'Instances';
const USAGE_WINDOW_DAYS = 30;

const instanceView = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(INSTANCE_STATES),
  issuer: z.string(),
  primaryDomain: z.string(),
  domains: z.array(z.string()),
  defaultOrgId: z.string(),
  tokenLifetimes: tokenLifetimesView,
  createdAt: z.string().nullable(),
});

function view(instance: InstanceRecord): z.input<typeof instanceView> {
  return {
    id: instance._id,
    name: instance.name,
    state: instance.state,
    issuer: instance.issuer,
    primaryDomain: instance.primaryDomain,
    domains: instance.domains,
    defaultOrgId: instance.defaultOrgId,
    tokenLifetimes: instance.tokenLifetimes as z.input<typeof instanceView>['tokenLifetimes'],
    createdAt: instance.createdAt?.toISOString() ?? null,
  };
}

const createBody = z.strictObject({
  name,
  customDomains: z.array(domain).max(20).default([]),
  primaryDomain: domain.optional(),
  org: z.strictObject({ name }),
  owner: z.strictObject({
    username,
    email,
    givenName: name,
    familyName: name,
    password: password.optional(),
    sendInvitation: z.boolean().optional(),
  }),
  machine: z.strictObject({ username, name }).optional(),
  tokenLifetimes: tokenLifetimesChange.optional(),
  loginPolicy: loginPolicyOverride.optional(),
  smtp: smtpInput.optional(),
});

const created = z.object({
  id: z.string(),
  issuer: z.string(),
  primaryDomain: z.string(),
  domains: z.array(z.string()),
  orgId: z.string(),
  owner: z.object({ id: z.string(), loginName: z.string(), invitationSent: z.boolean() }),
  machine: z.object({ id: z.string(), clientId: z.string(), clientSecret: z.string() }).nullable(),
});

const domainBody = z.strictObject({ domain });
const instancePath = '/instances/{instanceId}';
/** An id is only ever compared for equality: any string finds its instance or none (404). */
const instanceIdOf = (params: Record<string, string>): string => String(params.instanceId);

export const instanceRoutes: SystemRoute[] = [
  systemRoute({
    method: 'post',
    path: '/instances',
    tag: TAG,
    summary:
      'Create an instance: its domains (a generated one under the base domain, and custom ones), first org, IAM ' +
      'owner (initial password, or an invitation by email) and optionally a machine IAM owner whose client secret ' +
      'is shown once; token lifetimes, login and password policy, SMTP. 409 when another instance holds a domain',
    permission: SYSTEM_PERMISSIONS.write,
    body: createBody,
    response: created,
    status: 201,
    handler: ({ body, caller, services }) => createInstance(services, `system:${caller.name}`, body),
  }),
  systemRoute({
    method: 'get',
    path: '/instances',
    tag: TAG,
    summary: 'List the instances, oldest id first',
    permission: SYSTEM_PERMISSIONS.read,
    query: page,
    response: z.object({ total: z.number(), instances: z.array(instanceView) }),
    handler: async ({ query }) => ({
      total: await countInstances(),
      instances: (await listInstances(query)).map(view),
    }),
  }),
  systemRoute({
    method: 'get',
    path: instancePath,
    tag: TAG,
    summary: 'One instance',
    permission: SYSTEM_PERMISSIONS.read,
    response: instanceView,
    handler: async ({ params }) => view(await findInstance(instanceIdOf(params))),
  }),
  systemRoute({
    method: 'patch',
    path: instancePath,
    tag: TAG,
    summary: "Change an instance's name or token lifetimes (a lifetime left out keeps its value)",
    permission: SYSTEM_PERMISSIONS.write,
    body: z.strictObject({ name: name.optional(), tokenLifetimes: tokenLifetimesChange.optional() }),
    response: instanceView,
    handler: async ({ params, body, caller }) =>
      view(await updateInstance(`system:${caller.name}`, instanceIdOf(params), body)),
  }),
  ...(['deactivate', 'reactivate'] as const).map((action) =>
    systemRoute({
      method: 'post',
      path: `${instancePath}/${action}`,
      tag: TAG,
      summary:
        action === 'deactivate'
          ? 'Deactivate an instance: every host of it answers 404 until it is reactivated; nothing is lost'
          : 'Reactivate an instance',
      permission: SYSTEM_PERMISSIONS.write,
      response: instanceView,
      handler: async ({ params, caller }) =>
        view(
          await setInstanceState(
            `system:${caller.name}`,
            instanceIdOf(params),
            action === 'deactivate' ? 'inactive' : 'active',
          ),
        ),
    }),
  ),
  systemRoute({
    method: 'delete',
    path: instancePath,
    tag: TAG,
    summary:
      'Remove an instance and everything of it. Answers 202 at once: a job deletes it in batches (resumed after a ' +
      'restart; asking again joins it); the instance reads `removing` until it is gone, then 404',
    permission: SYSTEM_PERMISSIONS.delete,
    response: instanceView,
    status: 202,
    handler: async ({ params, caller, services }) => {
      const instance = await findInstance(instanceIdOf(params));
      services.log.info({ instanceId: instance._id, operator: caller.name }, 'instance removal started');
      await requestInstanceRemoval(`system:${caller.name}`, instance._id, services.config.system.removal, (error) =>
        services.log.error({ err: error, instanceId: instance._id }, 'instance removal failed; resumed at next start'),
      );
      return view({ ...instance, state: 'removing' });
    },
  }),
  systemRoute({
    method: 'post',
    path: `${instancePath}/domains`,
    tag: TAG,
    summary: 'Add a custom domain: its host then selects the instance. 409 when another instance holds it',
    permission: SYSTEM_PERMISSIONS.write,
    body: domainBody,
    response: instanceView,
    status: 201,
    handler: async ({ params, body, caller }) =>
      view(await addInstanceDomain(`system:${caller.name}`, instanceIdOf(params), body.domain)),
  }),
  systemRoute({
    method: 'delete',
    path: `${instancePath}/domains/{domain}`,
    tag: TAG,
    summary: 'Remove a domain (not the primary one: 409)',
    permission: SYSTEM_PERMISSIONS.write,
    response: null,
    handler: ({ params, caller }) =>
      removeInstanceDomain(`system:${caller.name}`, instanceIdOf(params), String(params.domain)),
  }),
  systemRoute({
    method: 'post',
    path: `${instancePath}/primary-domain`,
    tag: TAG,
    summary:
      'Make one of the instance’s domains its primary one, and so its issuer: tokens issued under the old issuer ' +
      'no longer verify for relying parties',
    permission: SYSTEM_PERMISSIONS.write,
    body: domainBody,
    response: instanceView,
    handler: async ({ params, body, caller, services }) =>
      view(
        await setPrimaryDomain(`system:${caller.name}`, instanceIdOf(params), body.domain, services.config.publicUrl),
      ),
  }),
  systemRoute({
    method: 'get',
    path: `${instancePath}/usage`,
    tag: TAG,
    summary: `Usage figures: orgs, users, and finished logins in the last ${USAGE_WINDOW_DAYS} days`,
    permission: SYSTEM_PERMISSIONS.read,
    response: z.object({ orgs: z.number(), users: z.number(), logins: z.number(), since: z.string() }),
    handler: async ({ params }) => {
      const instance = await findInstance(instanceIdOf(params));
      const usage = await instanceUsage(instance._id, new Date(Date.now() - USAGE_WINDOW_DAYS * 86_400_000));
      return { ...usage, since: usage.since.toISOString() };
    },
  }),
];
