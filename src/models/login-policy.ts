import { Schema } from 'mongoose';

/**
 * The login policy: the instance holds the default, an organization may override any part of it.
 * Effective policy = instance default deep-merged with the org override (libraries/policy.ts).
 */
export interface LoginPolicy {
  allowUsernamePassword: boolean;
  allowRegister: boolean;
  allowExternalIdp: boolean;
  forceMfa: boolean;
  hidePasswordReset: boolean;
  ignoreUnknownUsernames: boolean;
  allowDomainDiscovery: boolean;
  disableLoginWithEmail: boolean;
  passwordComplexity: {
    minLength: number;
    requireUppercase: boolean;
    requireLowercase: boolean;
    requireNumber: boolean;
    requireSymbol: boolean;
  };
  lockout: { maxPasswordAttempts: number };
  branding: { displayName: string | null; primaryColor: string; backgroundColor: string; fontColor: string };
}

export const defaultLoginPolicy: LoginPolicy = {
  allowUsernamePassword: true,
  allowRegister: true,
  allowExternalIdp: true,
  forceMfa: false,
  hidePasswordReset: false,
  ignoreUnknownUsernames: false,
  allowDomainDiscovery: true,
  disableLoginWithEmail: false,
  passwordComplexity: { minLength: 8, requireUppercase: true, requireLowercase: true, requireNumber: true, requireSymbol: true },
  lockout: { maxPasswordAttempts: 0 },
  branding: { displayName: null, primaryColor: '#5469d4', backgroundColor: '#fafafa', fontColor: '#000000' },
};

const color = { type: String, match: /^#[0-9a-fA-F]{6}$/ };

/** Stored without defaults: a missing field in an org override means "inherit from the instance". */
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
    branding: new Schema({ displayName: { type: String, maxlength: 200 }, primaryColor: color, backgroundColor: color, fontColor: color }, { _id: false }),
  },
  { _id: false, minimize: true },
);
