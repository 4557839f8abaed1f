import { setStoredInstanceBranding } from '../../store/queries/instance-settings.ts';
import { policyWithOwnLogos, type BrandingOwner } from '../rules/branding-logos.ts';
import { effectiveLoginPolicy, type LoginPolicy } from '../rules/login-policy.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

export type BrandingDefaults = LoginPolicy['branding'];
export type BrandingOverride = Partial<BrandingDefaults>;

export type BrandedInstance = BrandingOwner & { issuer: string };

/**
 * The branding an instance's pages wear where no org brands them: its login policy's (`loginPolicy`, by default the
 * stored one), over the built-in one, with the instance's logos.
 */
export function brandingDefaultsOf(instance: BrandedInstance, loginPolicy = instance.loginPolicy): BrandingDefaults {
  return effectiveLoginPolicy(policyWithOwnLogos(instance.issuer, instance, loginPolicy), null).branding;
}

/**
 * Replaces the instance's branding defaults (ZITADEL's default label policy, admin API UpdateLabelPolicy): a field left
 * out is the built-in default again. Kept in the instance login policy, whose other fields are left as they are.
 * Returns the fields given.
 */
export function setInstanceBranding(actor: Actor, branding: BrandingOverride): Promise<BrandingOverride> {
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
    return given;
  });
}
