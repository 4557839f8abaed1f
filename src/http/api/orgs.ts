import { z } from 'zod';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../../domain/rules/login-policy.ts';
import { reachOf, visibleOrgIds } from '../../domain/rules/visibility.ts';
import {
  addOrgDomain,
  createOrg,
  listOrgs,
  removeOrg,
  removeOrgDomain,
  renameOrg,
  setOrgLoginPolicy,
  setOrgState,
  type OrgRecord,
} from '../../domain/commands/orgs.ts';
import { INSTANCE, ORG } from './locators.ts';
import { route, stateRoutes, type ApiRoute } from './route.ts';
import { domain, name, page, state } from './schemas.ts';

export const orgView = z.object({
  id: z.string(),
  name: z.string(),
  primaryDomain: z.string(),
  state,
  domains: z.array(z.object({ domain: z.string(), verified: z.boolean() })),
});

export function toOrgView(org: OrgRecord): z.input<typeof orgView> {
  return {
    id: org._id,
    name: org.name,
    primaryDomain: org.primaryDomain,
    state: org.state,
    domains: org.domains.map((entry) => ({ domain: entry.domain, verified: entry.verified ?? false })),
  };
}

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb color');
/** An org's override of the instance login policy: every field optional, absent means inherited. */
const loginPolicyOverride = z.strictObject({
  allowUsernamePassword: z.boolean().optional(),
  allowRegister: z.boolean().optional(),
  allowExternalIdp: z.boolean().optional(),
  forceMfa: z.boolean().optional(),
  hidePasswordReset: z.boolean().optional(),
  ignoreUnknownUsernames: z.boolean().optional(),
  allowDomainDiscovery: z.boolean().optional(),
  disableLoginWithEmail: z.boolean().optional(),
  passwordComplexity: z
    .strictObject({
      minLength: z.number().int().min(1).max(128).optional(),
      requireUppercase: z.boolean().optional(),
      requireLowercase: z.boolean().optional(),
      requireNumber: z.boolean().optional(),
      requireSymbol: z.boolean().optional(),
    })
    .optional(),
  lockout: z.strictObject({ maxPasswordAttempts: z.number().int().min(0).max(1000).optional() }).optional(),
  branding: z
    .strictObject({
      displayName: z.string().max(200).optional(),
      primaryColor: hexColor.optional(),
      backgroundColor: hexColor.optional(),
      fontColor: hexColor.optional(),
    })
    .optional(),
});

const booleanFlag = z.boolean();
const loginPolicyView = z.object({
  override: loginPolicyOverride.nullable(),
  effective: z.object({
    allowUsernamePassword: booleanFlag,
    allowRegister: booleanFlag,
    allowExternalIdp: booleanFlag,
    forceMfa: booleanFlag,
    hidePasswordReset: booleanFlag,
    ignoreUnknownUsernames: booleanFlag,
    allowDomainDiscovery: booleanFlag,
    disableLoginWithEmail: booleanFlag,
    passwordComplexity: z.object({
      minLength: z.number(),
      requireUppercase: booleanFlag,
      requireLowercase: booleanFlag,
      requireNumber: booleanFlag,
      requireSymbol: booleanFlag,
    }),
    lockout: z.object({ maxPasswordAttempts: z.number() }),
    branding: z.object({
      displayName: z.string().nullable(),
      primaryColor: z.string(),
      backgroundColor: z.string(),
      fontColor: z.string(),
    }),
  }),
});

/** Drops the nulls and empty objects mongoose keeps for unset parts of a stored override. */
function storedOverride(org: OrgRecord): z.output<typeof loginPolicyOverride> | null {
  if (!org.loginPolicy) return null;
  const clean = (value: unknown): unknown => {
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const entries = Object.entries(value)
      .map(([key, inner]) => [key, clean(inner)] as const)
      .filter(([, inner]) => inner !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  };
  return (clean(org.loginPolicy) as z.output<typeof loginPolicyOverride> | undefined) ?? {};
}

function toPolicyView(
  org: OrgRecord,
  instancePolicy: LoginPolicyOverride | null | undefined,
): z.input<typeof loginPolicyView> {
  const override = storedOverride(org);
  return { override, effective: effectiveLoginPolicy(instancePolicy, override as LoginPolicyOverride | null) };
}

const TAG = 'Organizations';

export const orgRoutes: ApiRoute[] = [
  route({
    method: 'post',
    path: '/orgs',
    tag: TAG,
    summary: 'Create an organization; its primary domain defaults to a slug of the name under the instance domain',
    permission: 'org.create',
    on: INSTANCE,
    resource: 'org',
    status: 201,
    body: z.strictObject({ name, primaryDomain: domain.optional() }),
    response: orgView,
    handler: async ({ target: instance, body, actor }) =>
      toOrgView(await createOrg(actor, body, instance.primaryDomain)),
  }),
  route({
    method: 'get',
    path: '/orgs',
    tag: TAG,
    summary: 'List the organizations the caller can see',
    permission: 'org.read',
    on: {
      custom: 'every caller may list organizations: the list holds those it may read, filtered in the query',
      resource: 'org',
      allows: () => true,
    },
    query: page,
    response: z.object({ orgs: z.array(orgView) }),
    async handler({ query, actor, caller }) {
      const visible = visibleOrgIds(reachOf(caller.permissions, 'org.read'));
      return { orgs: (await listOrgs(actor.instanceId, query, visible)).map(toOrgView) };
    },
  }),
  route({
    method: 'get',
    path: '/orgs/{orgId}',
    tag: TAG,
    summary: 'Read an organization',
    permission: 'org.read',
    on: ORG,
    response: orgView,
    handler: async ({ target }) => toOrgView(target),
  }),
  route({
    method: 'patch',
    path: '/orgs/{orgId}',
    tag: TAG,
    summary: 'Rename an organization',
    permission: 'org.write',
    on: ORG,
    body: z.strictObject({ name }),
    response: orgView,
    handler: async ({ target, body, actor }) => toOrgView(await renameOrg(actor, target, body.name)),
  }),
  ...stateRoutes({
    base: '/orgs/{orgId}',
    tag: TAG,
    permission: 'org.write',
    on: ORG,
    response: orgView,
    summaries: {
      deactivate: 'Deactivate an organization (its users cannot log in; nothing is lost)',
      reactivate: 'Reactivate an organization',
    },
    change: async ({ target, actor, tenant }, orgState) =>
      toOrgView(await setOrgState(actor, target, orgState, tenant.instance.defaultOrgId)),
  }),
  route({
    method: 'delete',
    path: '/orgs/{orgId}',
    tag: TAG,
    summary: 'Delete an organization with its users, projects, grants and managers',
    permission: 'org.delete',
    on: ORG,
    response: null,
    handler: ({ target, actor, tenant }) => removeOrg(actor, target, tenant.instance.defaultOrgId),
  }),
  route({
    method: 'post',
    path: '/orgs/{orgId}/domains',
    tag: TAG,
    summary: 'Add a domain to an organization (unique in the instance)',
    permission: 'org.write',
    on: ORG,
    status: 201,
    body: z.strictObject({ domain }),
    response: orgView,
    handler: async ({ target, body, actor }) => toOrgView(await addOrgDomain(actor, target, body.domain)),
  }),
  route({
    method: 'delete',
    path: '/orgs/{orgId}/domains/{domain}',
    tag: TAG,
    summary: 'Remove a domain (not the primary one)',
    permission: 'org.write',
    on: ORG,
    response: null,
    handler: ({ target, params, actor }) => removeOrgDomain(actor, target, (params.domain ?? '').toLowerCase()),
  }),
  route({
    method: 'get',
    path: '/orgs/{orgId}/login-policy',
    tag: TAG,
    summary: "The org's login policy override and the effective policy",
    permission: 'policy.read',
    on: ORG,
    response: loginPolicyView,
    handler: async ({ target, tenant }) => toPolicyView(target, tenant.instance.loginPolicy as LoginPolicyOverride),
  }),
  route({
    method: 'put',
    path: '/orgs/{orgId}/login-policy',
    tag: TAG,
    summary: "Replace the org's override of the instance login policy",
    permission: 'policy.write',
    on: ORG,
    body: loginPolicyOverride,
    response: loginPolicyView,
    handler: async ({ target, body, actor, tenant }) =>
      toPolicyView(
        await setOrgLoginPolicy(actor, target, body as LoginPolicyOverride),
        tenant.instance.loginPolicy as LoginPolicyOverride,
      ),
  }),
  route({
    method: 'delete',
    path: '/orgs/{orgId}/login-policy',
    tag: TAG,
    summary: 'Drop the override: the org inherits the instance login policy again',
    permission: 'policy.delete',
    on: ORG,
    response: null,
    handler: async ({ target, actor }) => {
      await setOrgLoginPolicy(actor, target, null);
    },
  }),
];
