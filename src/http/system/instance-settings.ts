import { z } from 'zod';
import { findInstance, type InstanceRecord } from '../../domain/commands/instance-admin.ts';
import { brandingDefaultsOf } from '../../domain/commands/instance-branding.ts';
import { changeInstanceSettings } from '../../domain/commands/instance-operator-settings.ts';
import { smtpView } from '../../domain/commands/smtp-settings.ts';
import { featuresOf } from '../../domain/rules/instance-features.ts';
import { effectiveInstanceSettings, type InstanceSettingsOverride } from '../../domain/rules/instance-settings.ts';
import type { LoginPolicyOverride } from '../../domain/rules/login-policy.ts';
import type { TokenLifetimes } from '../../store/models/common.ts';
import { featuresChange, featuresView } from '../api/instance-features.ts';
import { settingsChange, settingsView } from '../api/instance-settings.ts';
import {
  brandingOverride,
  brandingView,
  instancePolicyView,
  loginPolicyOverride,
  loginPolicyView,
} from '../api/login-policy.ts';
import { tokenLifetimesChange, tokenLifetimesView } from '../api/schemas.ts';
import { smtpInput, smtpView as smtpViewSchema } from '../api/smtp.ts';
import { SYSTEM_PERMISSIONS } from './authenticate.ts';
import { systemRoute, type SystemRoute } from './route.ts';

const TAG = 'Instance settings';

/** The management API's views and inputs of each group (http/api/), so both APIs validate and answer alike. */
const instanceSettingsView = z.object({
  tokenLifetimes: tokenLifetimesView,
  loginPolicy: loginPolicyView,
  branding: brandingView,
  features: featuresView,
  oidc: settingsView.shape.oidc,
  strictReservedScopes: settingsView.shape.strictReservedScopes,
  smtp: smtpViewSchema.nullable(),
});

const instanceSettingsChange = z.strictObject({
  tokenLifetimes: tokenLifetimesChange.optional(),
  loginPolicy: loginPolicyOverride.optional(),
  branding: brandingOverride.optional(),
  features: featuresChange.optional(),
  oidc: settingsChange.shape.oidc,
  strictReservedScopes: settingsChange.shape.strictReservedScopes,
  smtp: smtpInput.nullable().optional(),
});

function view(instance: InstanceRecord): z.input<typeof instanceSettingsView> {
  const loginPolicy = instance.loginPolicy as LoginPolicyOverride;
  const settings = effectiveInstanceSettings(instance.settings as InstanceSettingsOverride);
  return {
    tokenLifetimes: instance.tokenLifetimes as TokenLifetimes,
    loginPolicy: instancePolicyView(instance),
    branding: brandingDefaultsOf(instance),
    features: featuresOf(instance.settings as InstanceSettingsOverride, loginPolicy),
    oidc: settings.oidc,
    strictReservedScopes: settings.strictReservedScopes,
    smtp: instance.smtp ? smtpView(instance.smtp) : null,
  };
}

const settingsPath = '/instances/{instanceId}/settings';
const instanceIdOf = (params: Record<string, string>): string => String(params.instanceId);

/**
 * An instance's settings for the operator (what IAM owners change through /api/v1/instance/…): ZITADEL's system users
 * reach them through the admin API of the instance; here, through the System API, with the same validation.
 */
export const instanceSettingsRoutes: SystemRoute[] = [
  systemRoute({
    method: 'get',
    path: settingsPath,
    tag: TAG,
    summary:
      "An instance's settings in effect: token lifetimes, login policy (with password complexity and lockout), " +
      'branding defaults, features, OIDC options, strict reserved scopes, SMTP (the password never: only whether ' +
      'one is set; null when none)',
    permission: SYSTEM_PERMISSIONS.read,
    response: instanceSettingsView,
    handler: async ({ params }) => view(await findInstance(instanceIdOf(params))),
  }),
  systemRoute({
    method: 'patch',
    path: settingsPath,
    tag: TAG,
    summary:
      'Change some groups of settings, each as the management API does: tokenLifetimes, features, oidc and ' +
      'strictReservedScopes keep the fields left out; loginPolicy (PUT /api/v1/instance/login-policy) and branding ' +
      '(PUT /api/v1/instance/branding) are replaced; smtp is replaced (a password left out is kept) or removed by ' +
      'null. A refused group changes nothing. Each change is an event of the instance with the operator as actor',
    permission: SYSTEM_PERMISSIONS.write,
    body: instanceSettingsChange,
    response: instanceSettingsView,
    handler: async ({ params, body, caller, services }) =>
      view(await changeInstanceSettings(services.masterKey, `system:${caller.name}`, instanceIdOf(params), body)),
  }),
];
