import type { LoginPolicy } from './login-policy.ts';

export interface Branding {
  name: string;
  primaryColor: string;
  backgroundColor: string;
  fontColor: string;
}

/** The branding a page shows: the policy's display name, else the name of the org (or instance) it belongs to. */
export function brandingFrom(policy: LoginPolicy, fallbackName: string): Branding {
  const { displayName, primaryColor, backgroundColor, fontColor } = policy.branding;
  return { name: displayName ?? fallbackName, primaryColor, backgroundColor, fontColor };
}
