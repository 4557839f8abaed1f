import { effectiveInstanceSettings, type InstanceSettingsOverride } from './instance-settings.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from './login-policy.ts';

/**
 * What an instance lets its users and clients do at all, named in one place (ZITADEL spreads them over its instance
 * features, /v2/features/instance, its security policy and its default login policy). Each is kept where Castellan
 * kept it before and is read there by the code that refuses it when off (FEATURE_FIELDS).
 */
export interface InstanceFeatures {
  /**
   * Self-registration on the login (the instance login policy's `allowRegister`): the default of every org without a
   * login policy of its own; an org's own policy still decides for that org.
   */
  registration: boolean;
  /** Visitors may create an organization (settings `features.orgSignUp`, http/login/org-signup.ts). */
  orgSignUp: boolean;
  /** Token exchange may impersonate (settings `security.enableImpersonation`, oidc/grants/token-exchange.ts). */
  impersonation: boolean;
  /** The token exchange grant, RFC 8693 (settings `features.tokenExchange`, oidc/grants/token-exchange.ts). */
  tokenExchange: boolean;
}

/** Where each feature is stored in the instance record. */
export const FEATURE_FIELDS: Record<keyof InstanceFeatures, string> = {
  registration: 'loginPolicy.allowRegister',
  orgSignUp: 'settings.features.orgSignUp',
  impersonation: 'settings.security.enableImpersonation',
  tokenExchange: 'settings.features.tokenExchange',
};

/** The features in effect, from the stored settings and instance login policy (each field over its default). */
export function featuresOf(
  settings: InstanceSettingsOverride | null | undefined,
  loginPolicy: LoginPolicyOverride | null | undefined,
): InstanceFeatures {
  const effective = effectiveInstanceSettings(settings);
  return {
    registration: effectiveLoginPolicy(loginPolicy, null).allowRegister,
    orgSignUp: effective.features.orgSignUp,
    impersonation: effective.security.enableImpersonation,
    tokenExchange: effective.features.tokenExchange,
  };
}
