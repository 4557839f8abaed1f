import { findInstance, updateInstance } from '../../domain/commands/instance-admin.ts';
import type { TokenLifetimes } from '../../store/models/common.ts';
import { INSTANCE } from './locators.ts';
import { route, type ApiRoute } from './route.ts';
import { tokenLifetimesChange, tokenLifetimesView } from './schemas.ts';

const TAG = 'Instance';

// Stored complete (every instance is created with all four, config/default.json's where not given).
/**
 * The instance's default token lifetimes (ZITADEL's OIDC settings: access, ID and refresh token lifetimes), which
 * orgs and projects may override; the operator sets them at creation (System API), IAM owners change them here. A
 * change reaches every process's provider within a cache revision poll (oidc/tenants.ts rebuilds it).
 */
export const instanceLifetimeRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/instance/token-lifetimes',
    tag: TAG,
    summary: "The instance's default token lifetimes, in seconds",
    permission: 'iam.policy.read',
    on: INSTANCE,
    response: tokenLifetimesView,
    handler: async ({ tenant }) => (await findInstance(tenant.instance._id)).tokenLifetimes as TokenLifetimes,
  }),
  route({
    method: 'patch',
    path: '/instance/token-lifetimes',
    tag: TAG,
    summary: "Change some of the instance's default token lifetimes; the ones not given keep their values",
    permission: 'iam.policy.write',
    on: INSTANCE,
    body: tokenLifetimesChange,
    response: tokenLifetimesView,
    handler: async ({ tenant, actor, body }) =>
      (await updateInstance(actor.actorId, tenant.instance._id, { tokenLifetimes: body }))
        .tokenLifetimes as TokenLifetimes,
  }),
];
