import { defaultLoginPolicy, type LoginPolicy } from '../models/login-policy.ts';

export type LoginPolicyOverride = { [K in keyof LoginPolicy]?: LoginPolicy[K] extends object ? Partial<LoginPolicy[K]> | null : LoginPolicy[K] | null };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function merge(base: Record<string, unknown>, override: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override ?? {})) {
    // Absent or null means "inherit"; only keys the base knows are policy settings.
    if (value === undefined || value === null || !(key in base)) continue;
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return merged;
}

/** Castellan's defaults, overridden by the instance's policy, overridden by the org's (each field inherits when unset). */
export function effectiveLoginPolicy(instancePolicy: LoginPolicyOverride | null | undefined, orgPolicy: LoginPolicyOverride | null | undefined): LoginPolicy {
  const base = defaultLoginPolicy as unknown as Record<string, unknown>;
  return merge(merge(base, instancePolicy as Record<string, unknown>), orgPolicy as Record<string, unknown>) as unknown as LoginPolicy;
}
