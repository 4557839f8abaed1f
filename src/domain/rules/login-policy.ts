/**
 * The login policy: the instance holds the default, an organization may override any part of it.
 * Effective policy = instance default deep-merged with the org override (effectiveLoginPolicy below).
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
  passwordComplexity: {
    minLength: 8,
    requireUppercase: true,
    requireLowercase: true,
    requireNumber: true,
    requireSymbol: true,
  },
  lockout: { maxPasswordAttempts: 0 },
  branding: { displayName: null, primaryColor: '#5469d4', backgroundColor: '#fafafa', fontColor: '#000000' },
};

export type LoginPolicyOverride = {
  [K in keyof LoginPolicy]?: LoginPolicy[K] extends object ? Partial<LoginPolicy[K]> | null : LoginPolicy[K] | null;
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
    // Absent or null means "inherit"; only keys the base knows are policy settings.
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
