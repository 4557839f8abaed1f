import { Schema } from 'mongoose';

const color = { type: String, match: /^#[0-9a-fA-F]{6}$/ };

/**
 * Stored without defaults: a missing field in an org override means "inherit from the instance"
 * (domain/rules/login-policy.ts).
 */
export const loginPolicySchema = new Schema(
  {
    allowUsernamePassword: Boolean,
    allowRegister: Boolean,
    allowExternalIdp: Boolean,
    forceMfa: Boolean,
    hidePasswordReset: Boolean,
    ignoreUnknownUsernames: Boolean,
    allowDomainDiscovery: Boolean,
    disableLoginWithEmail: Boolean,
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
    lockout: new Schema({ maxPasswordAttempts: { type: Number, min: 0, max: 1000 } }, { _id: false }),
    branding: new Schema(
      { displayName: { type: String, maxlength: 200 }, primaryColor: color, backgroundColor: color, fontColor: color },
      { _id: false },
    ),
  },
  { _id: false, minimize: true },
);
