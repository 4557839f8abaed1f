import { z } from 'zod';
import { instanceSettings, updateInstanceSettings } from '../../domain/commands/instance-settings.ts';
import { INSTANCE } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Instance';

/** Each group's fields. */
const oidc = z.object({ requirePkceForAllClients: z.boolean(), strictClientAssertions: z.boolean() });
const features = z.object({ tokenExchange: z.boolean(), orgSignUp: z.boolean() });
const security = z.object({ enableImpersonation: z.boolean() });
const strictReservedScopes = z.object({
  orgId: z.boolean(),
  orgDomainPrimary: z.boolean(),
  projectAudience: z.boolean(),
  roleOrgId: z.boolean(),
  idpId: z.boolean(),
  projectRole: z.boolean(),
});

export const settingsView = z.object({ oidc, features, security, strictReservedScopes });
/** A change: a group or field left out keeps its value. */
export const settingsChange = z.strictObject({
  oidc: oidc.strict().partial().optional(),
  features: features.strict().partial().optional(),
  security: security.strict().partial().optional(),
  strictReservedScopes: strictReservedScopes.strict().partial().optional(),
});

export const instanceSettingsRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/instance/settings',
    tag: TAG,
    summary: "The instance's settings in effect (OIDC, features, security, reserved scopes)",
    permission: 'iam.policy.read',
    on: INSTANCE,
    response: settingsView,
    handler: ({ tenant }) => instanceSettings(tenant.instance._id),
  }),
  route({
    method: 'patch',
    path: '/instance/settings',
    tag: TAG,
    summary: "Change some of the instance's settings; the fields not given keep their values",
    permission: 'iam.policy.write',
    on: INSTANCE,
    body: settingsChange,
    response: settingsView,
    handler: ({ body, actor }) => updateInstanceSettings(actor, body),
  }),
];
