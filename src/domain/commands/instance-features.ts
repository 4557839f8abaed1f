import { setInstanceSettings, storedFeatureSources } from '../../store/queries/instance-settings.ts';
import { notFound } from '../errors.ts';
import { FEATURE_FIELDS, featuresOf, type InstanceFeatures } from '../rules/instance-features.ts';
import type { InstanceSettingsOverride } from '../rules/instance-settings.ts';
import type { LoginPolicyOverride } from '../rules/login-policy.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

/** The instance's features in effect, read fresh. */
export async function instanceFeatures(instanceId: string): Promise<InstanceFeatures> {
  const stored = await storedFeatureSources(instanceId);
  if (!stored) throw notFound();
  return featuresOf(stored.settings as InstanceSettingsOverride, stored.loginPolicy as LoginPolicyOverride);
}

/**
 * Switches the features named and keeps the others (as ZITADEL's SetInstanceFeatures: "only fields present in the
 * request are set"); each is written where the code that honours it reads it (rules/instance-features.ts), so the
 * instance write drops every cache of it (store/cache/invalidate-on-write.ts) and the change applies at once.
 */
export function setInstanceFeatures(actor: Actor, change: Partial<InstanceFeatures>): Promise<InstanceFeatures> {
  return asOneChange(actor, async () => {
    const fields: Record<string, boolean> = {};
    for (const [feature, enabled] of Object.entries(change))
      if (typeof enabled === 'boolean') fields[FEATURE_FIELDS[feature as keyof InstanceFeatures]] = enabled;
    if (Object.keys(fields).length > 0) {
      await setInstanceSettings(actor.instanceId, fields);
      await recordChange(actor, {
        orgId: null,
        type: 'instance.features.set',
        resourceType: 'instance',
        resourceId: actor.instanceId,
        payload: { features: change },
      });
    }
    return instanceFeatures(actor.instanceId);
  });
}
