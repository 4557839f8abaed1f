import { z } from 'zod';
import {
  LIFETIME_FIELDS,
  lifetimeOverrides,
  setOrgTokenLifetimes,
  setProjectTokenLifetimes,
} from '../../domain/commands/token-lifetimes.ts';
import { ORG, PROJECT } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

// At least a minute (the stored schema's floor, store/models/common.ts), at most a year; null inherits.
const seconds = z.number().int().min(60).max(31_536_000).nullable();
const lifetimesView = z.object(
  Object.fromEntries(LIFETIME_FIELDS.map((field) => [field, seconds])) as {
    [K in (typeof LIFETIME_FIELDS)[number]]: typeof seconds;
  },
);
const lifetimesBody = z.strictObject(lifetimesView.shape);

const TAG = 'Token lifetimes';
const DESCRIBED = 'every field in seconds, null inherits (the instance’s for an org, the org’s for a project)';

/** Per-org and per-project token lifetimes, honoured by the provider (oidc/clients.ts effectiveLifetimes). */
export const tokenLifetimeRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/orgs/{orgId}/token-lifetimes',
    tag: TAG,
    summary: `An organization's token lifetimes for its projects' applications: ${DESCRIBED}`,
    permission: 'org.read',
    on: ORG,
    response: lifetimesView,
    handler: async ({ target }) => lifetimeOverrides(target.tokenLifetimes),
  }),
  route({
    method: 'put',
    path: '/orgs/{orgId}/token-lifetimes',
    tag: TAG,
    summary: `Set an organization's token lifetimes: ${DESCRIBED}`,
    permission: 'org.write',
    on: ORG,
    body: lifetimesBody,
    response: lifetimesView,
    handler: ({ target, body, actor }) => setOrgTokenLifetimes(actor, target, body),
  }),
  route({
    method: 'get',
    path: '/projects/{projectId}/token-lifetimes',
    tag: TAG,
    summary: `A project's token lifetimes for its applications: ${DESCRIBED}`,
    permission: 'project.read',
    on: PROJECT,
    response: lifetimesView,
    handler: async ({ target }) => lifetimeOverrides(target.tokenLifetimes),
  }),
  route({
    method: 'put',
    path: '/projects/{projectId}/token-lifetimes',
    tag: TAG,
    summary: `Set a project's token lifetimes: ${DESCRIBED}`,
    permission: 'project.write',
    on: PROJECT,
    body: lifetimesBody,
    response: lifetimesView,
    handler: ({ target, body, actor }) => setProjectTokenLifetimes(actor, target, body),
  }),
];
