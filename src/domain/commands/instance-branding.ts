import { setStoredInstanceBranding } from '../../store/queries/instance-settings.ts';
import { effectiveLoginPolicy, type LoginPolicy, type LoginPolicyOverride } from '../rules/login-policy.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

export type BrandingDefaults = LoginPolicy['branding'];
export type BrandingOverride = Partial<BrandingDefaults>;

/** The branding an instance's pages wear where no org brands them: its login policy's, over the built-in one. */
export function brandingDefaultsOf(loginPolicy: LoginPolicyOverride | null | undefined): BrandingDefaults {
  return effectiveLoginPolicy(loginPolicy, null).branding;
}

/**
 * Replaces the instance's branding defaults (ZITADEL's default label policy, admin API UpdateLabelPolicy): a field left
 * out is the built-in default again. Kept in the instance login policy, whose other fields are left as they are.
 */
export function setInstanceBranding(actor: Actor, branding: BrandingOverride): Promise<BrandingDefaults> {
  return asOneChange(actor, async () => {
    const given = Object.fromEntries(Object.entries(branding).filter(([, value]) => value !== undefined));
    await setStoredInstanceBranding(actor.instanceId, Object.keys(given).length ? given : null);
    await recordChange(actor, {
      orgId: null,
      type: 'instance.branding.set',
      resourceType: 'instance',
      resourceId: actor.instanceId,
      payload: { branding: given },
    });
    return brandingDefaultsOf({ branding: given });
  });
}
