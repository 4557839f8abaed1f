import { Schema } from 'mongoose';

/** What the login policy's lists may name (ZITADEL's second and multi factor types); domain/rules/login-policy.ts. */
export const SECOND_FACTOR_TYPES = ['totp', 'recovery_codes', 'u2f', 'otp_email', 'otp_sms'] as const;
export const MULTI_FACTOR_TYPES = ['u2f_with_verification'] as const;
export const PASSWORDLESS_TYPES = ['not_allowed', 'allowed'] as const;
/** The branding's colours (ZITADEL's label policy): each for the light scheme, then each for the dark one. */
export const BRANDING_COLORS = [
  'primaryColor',
  'backgroundColor',
  'warnColor',
  'fontColor',
  'primaryColorDark',
  'backgroundColorDark',
  'warnColorDark',
  'fontColorDark',
] as const;

const color = { type: String, match: /^#[0-9a-fA-F]{6}$/ };
/** Seconds; at most a year. */
const lifetime = { type: Number, min: 0, max: 31_536_000 };

/**
 * Stored without defaults: a missing field in an org override means "inherit from the instance"
 * (domain/rules/login-policy.ts).
 */
export const loginPolicySchema = new Schema(
  {
    allowUsernamePassword: Boolean,
    passwordlessType: { type: String, enum: PASSWORDLESS_TYPES },
    forceMfaLocalOnly: Boolean,
    // `default: undefined`: an unset list inherits, where mongoose would store an empty one.
    secondFactors: { type: [{ type: String, enum: SECOND_FACTOR_TYPES }], default: undefined },
    multiFactors: { type: [{ type: String, enum: MULTI_FACTOR_TYPES }], default: undefined },
    mfaInitSkipLifetime: lifetime,
    passwordCheckLifetime: lifetime,
    secondFactorCheckLifetime: lifetime,
    multiFactorCheckLifetime: lifetime,
    allowRegister: Boolean,
    allowExternalIdp: Boolean,
    idps: { type: [{ type: String, maxlength: 40 }], default: undefined },
    forceMfa: Boolean,
    hidePasswordReset: Boolean,
    ignoreUnknownUsernames: Boolean,
    allowDomainDiscovery: Boolean,
    disableLoginWithEmail: Boolean,
    requireEmailVerification: Boolean,
    userLoginMustBeDomain: Boolean,
    passwordComplexity: new Schema(
      {
        minLength: { type: Number, min: 1, max: 128 },
        requireUppercase: Boolean,
        requireLowercase: Boolean,
        requireNumber: Boolean,
        requireSymbol: Boolean,
      },
      { _id: false },
    ),
    lockout: new Schema(
      { maxPasswordAttempts: { type: Number, min: 0, max: 1000 }, maxOtpAttempts: { type: Number, min: 0, max: 1000 } },
      { _id: false },
    ),
    passwordAge: new Schema(
      { maxAgeDays: { type: Number, min: 0, max: 3650 }, expireWarnDays: { type: Number, min: 0, max: 3650 } },
      { _id: false },
    ),
    branding: new Schema(
      {
        displayName: { type: String, maxlength: 200 },
        ...Object.fromEntries(BRANDING_COLORS.map((field) => [field, color])),
      },
      { _id: false },
    ),
  },
  { _id: false, minimize: true },
);
