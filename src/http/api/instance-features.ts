import { z } from 'zod';
import { brandingDefaultsOf, setInstanceBranding } from '../../domain/commands/instance-branding.ts';
import { instanceFeatures, setInstanceFeatures } from '../../domain/commands/instance-features.ts';
import type { InstanceFeatures } from '../../domain/rules/instance-features.ts';
import { brandingOverride, brandingView } from './login-policy.ts';
import { INSTANCE } from './locators.ts';
import { route, type ApiRoute } from './route.ts';

const TAG = 'Instance';

export const featuresView = z.object({
  registration: z.boolean(),
  orgSignUp: z.boolean(),
  impersonation: z.boolean(),
  tokenExchange: z.boolean(),
} satisfies Record<keyof InstanceFeatures, z.ZodBoolean>);
/** A change: a feature left out keeps its value. */
export const featuresChange = featuresView.strict().partial();

/**
 * The instance's allowed features (ZITADEL's instance features, `GET|PUT /v2/features/instance`, with the security
 * policy's impersonation switch) and branding defaults (ZITADEL's default label policy, `GET|PUT
 * /admin/v1/policies/label`), each as one resource for IAM owners.
 */
export const instanceFeatureRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/instance/features',
    tag: TAG,
    summary:
      'What the instance allows: self-registration (the default for orgs without a login policy of their own), ' +
      'org sign-up, token exchange, impersonation by token exchange',
    permission: 'iam.feature.read',
    on: INSTANCE,
    response: featuresView,
    handler: ({ tenant }) => instanceFeatures(tenant.instance._id),
  }),
  route({
    method: 'put',
    path: '/instance/features',
    tag: TAG,
    summary:
      'Switch features on or off; the ones left out keep their values (as ZITADEL’s SetInstanceFeatures). A feature ' +
      'switched off is refused where it is used, at once',
    permission: 'iam.feature.write',
    on: INSTANCE,
    body: featuresChange,
    response: featuresView,
    handler: ({ actor, body }) => setInstanceFeatures(actor, body),
  }),
  route({
    method: 'get',
    path: '/instance/branding',
    tag: TAG,
    summary: 'The name and colours the pages of orgs without branding of their own wear',
    permission: 'iam.policy.read',
    on: INSTANCE,
    response: brandingView,
    handler: async ({ tenant }) => brandingDefaultsOf(tenant.instance),
  }),
  route({
    method: 'put',
    path: '/instance/branding',
    tag: TAG,
    summary:
      'Replace the branding defaults (a field left out is the built-in default); the rest of the instance login ' +
      'policy, where they are kept, is left as it is',
    permission: 'iam.policy.write',
    on: INSTANCE,
    body: brandingOverride,
    response: brandingView,
    handler: async ({ actor, body, tenant }) =>
      brandingDefaultsOf(tenant.instance, { branding: await setInstanceBranding(actor, body) }),
  }),
];
