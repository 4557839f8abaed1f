import { z } from 'zod';
import { reachOf, visibleOrgIds } from '../../domain/rules/visibility.ts';
import {
  addOrgDomain,
  createOrg,
  listOrgs,
  removeOrg,
  removeOrgDomain,
  renameOrg,
  setOrgState,
  type OrgRecord,
} from '../../domain/commands/orgs.ts';
import { INSTANCE, ORG } from './locators.ts';
import { route, stateRoutes, type ApiRoute } from './route.ts';
import { sessionEnder } from './user-sessions.ts';
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
      deactivate: 'Deactivate an organization (its users cannot log in and their sessions end; nothing stored is lost)',
      reactivate: 'Reactivate an organization',
    },
    change: async ({ target, actor, tenant }, orgState) =>
      toOrgView(await setOrgState(actor, target, orgState, tenant.instance.defaultOrgId, sessionEnder(tenant))),
  }),
  route({
    method: 'delete',
    path: '/orgs/{orgId}',
    tag: TAG,
    summary: 'Delete an organization with its users, projects, grants and managers',
    permission: 'org.delete',
    on: ORG,
    response: null,
    handler: ({ target, actor, tenant }) =>
      removeOrg(actor, target, tenant.instance.defaultOrgId, sessionEnder(tenant)),
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
];
