import type { MULTI_FACTOR_TYPES, PASSWORDLESS_TYPES, SECOND_FACTOR_TYPES } from '../../store/models/login-policy.ts';

export type SecondFactorType = (typeof SECOND_FACTOR_TYPES)[number];
export type MultiFactorType = (typeof MULTI_FACTOR_TYPES)[number];

/**
 * The login policy: the instance holds the default, an organization may override any part of it.
 * Effective policy = instance default deep-merged with the org override (effectiveLoginPolicy below).
 * Lifetimes are in seconds (ZITADEL's API takes durations; its defaults, docs/zitadel-behaviour.md, are kept).
 */
export interface LoginPolicy {
  allowUsernamePassword: boolean;
  passwordlessType: (typeof PASSWORDLESS_TYPES)[number];
  allowRegister: boolean;
  allowExternalIdp: boolean;
  /** The external IdPs the login offers (ZITADEL's login policy IdP links), with `allowExternalIdp` on. */
  idps: string[];
  forceMfa: boolean;
  /** MFA is not forced after a login at an external identity provider (ZITADEL's `force_mfa_local_only`). */
  forceMfaLocalOnly: boolean;
  secondFactors: SecondFactorType[];
  multiFactors: MultiFactorType[];
  /** How long a user may postpone setting up a second factor that `forceMfa` asks for; 0 = never. */
  mfaInitSkipLifetime: number;
  /** How long a password check lets a browser session satisfy a new authorization request. */
  passwordCheckLifetime: number;
  secondFactorCheckLifetime: number;
  multiFactorCheckLifetime: number;
  hidePasswordReset: boolean;
  ignoreUnknownUsernames: boolean;
  allowDomainDiscovery: boolean;
  disableLoginWithEmail: boolean;
  /**
   * A user whose email address is not verified enters the code emailed to it before the login finishes (ZITADEL's
   * login always asks; Castellan asks where this is set: users created by the API before it had SMTP settings would
   * otherwise be locked out). An org created by sign-up starts with it set (http/login/org-signup.ts).
   */
  requireEmailVerification: boolean;
  /** Login names carry the org's domain (`name@org.domain`; ZITADEL's domain policy `userLoginMustBeDomain`). */
  userLoginMustBeDomain: boolean;
  passwordComplexity: {
    minLength: number;
    requireUppercase: boolean;
    requireLowercase: boolean;
    requireNumber: boolean;
    requireSymbol: boolean;
  };
  lockout: { maxPasswordAttempts: number; maxOtpAttempts: number };
  /**
   * ZITADEL's password age policy: a password older than `maxAgeDays` must be changed at the next login (0: never
   * expires); `expireWarnDays` before that, the login says when it will expire (0: no warning).
   */
  passwordAge: { maxAgeDays: number; expireWarnDays: number };
  /**
   * ZITADEL's label policy: colours for the light scheme and for the dark one (`…Dark`, applied where the browser
   * prefers dark). The logos' and icons' URLs come from the owners' stored images, not from the policy document
   * (rules/branding-logos.ts).
   */
  branding: {
    displayName: string | null;
    primaryColor: string;
    backgroundColor: string;
    warnColor: string;
    fontColor: string;
    primaryColorDark: string;
    backgroundColorDark: string;
    warnColorDark: string;
    fontColorDark: string;
    logoUrl: string | null;
    logoDarkUrl: string | null;
    iconUrl: string | null;
    iconDarkUrl: string | null;
  };
}

const HOUR = 3600;

/**
 * ZITADEL's defaults, except: allowExternalIdp defaults to off until a policy lists IdPs (ZITADEL defaults it on, with
 * none listed, which offers nothing either); self-registration (allowRegister) too, a deliberate difference: an
 * instance opts in to strangers creating accounts. Password reset is offered as in ZITADEL (`hidePasswordReset`
 * false), where the instance can send email (http/login/password-reset.ts).
 */
export const defaultLoginPolicy: LoginPolicy = {
  allowUsernamePassword: true,
  passwordlessType: 'not_allowed',
  allowRegister: false,
  allowExternalIdp: false,
  idps: [],
  forceMfa: false,
  forceMfaLocalOnly: false,
  secondFactors: ['totp', 'recovery_codes'],
  multiFactors: [],
  mfaInitSkipLifetime: 720 * HOUR,
  passwordCheckLifetime: 240 * HOUR,
  secondFactorCheckLifetime: 18 * HOUR,
  multiFactorCheckLifetime: 12 * HOUR,
  hidePasswordReset: false,
  ignoreUnknownUsernames: false,
  allowDomainDiscovery: true,
  disableLoginWithEmail: false,
  requireEmailVerification: false,
  userLoginMustBeDomain: false,
  passwordComplexity: {
    minLength: 8,
    requireUppercase: true,
    requireLowercase: true,
    requireNumber: true,
    requireSymbol: true,
  },
  lockout: { maxPasswordAttempts: 0, maxOtpAttempts: 0 },
  passwordAge: { maxAgeDays: 0, expireWarnDays: 0 },
  // ZITADEL's default label policy (cmd/defaults.yaml, DefaultInstance.LabelPolicy). An unset dark colour is this
  // built-in one, as ZITADEL's login falls back to its own dark theme (not to the light colour) where a policy has
  // none (its styling handler writes a dark variable only for a colour that is set).
  branding: {
    displayName: null,
    primaryColor: '#5469d4',
    backgroundColor: '#fafafa',
    warnColor: '#cd3d56',
    fontColor: '#000000',
    primaryColorDark: '#2073c4',
    backgroundColorDark: '#111827',
    warnColorDark: '#ff3b5b',
    fontColorDark: '#ffffff',
    logoUrl: null,
    logoDarkUrl: null,
    iconUrl: null,
    iconDarkUrl: null,
  },
};

export type LoginPolicyOverride = {
  [K in keyof LoginPolicy]?: LoginPolicy[K] extends unknown[]
    ? LoginPolicy[K] | null
    : LoginPolicy[K] extends object
      ? Partial<LoginPolicy[K]> | null
      : LoginPolicy[K] | null;
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function merge(
  base: Record<string, unknown>,
  override: Record<string, unknown> | null | undefined,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    // Absent or null means "inherit"; only keys the base knows are policy settings. A list replaces the list.
    if (value === undefined || value === null || !(key in base)) continue;
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return merged;
}

/**
 * Castellan's defaults, overridden by the instance's policy, overridden by the org's (each field inherits when unset).
 */
export function effectiveLoginPolicy(
  instancePolicy: LoginPolicyOverride | null | undefined,
  orgPolicy: LoginPolicyOverride | null | undefined,
): LoginPolicy {
  const base = defaultLoginPolicy as unknown as Record<string, unknown>;
  return merge(
    merge(base, instancePolicy as Record<string, unknown>),
    orgPolicy as Record<string, unknown>,
  ) as unknown as LoginPolicy;
}
