import { setInstanceSettings, storedInstanceSettings } from '../../store/queries/instance-settings.ts';
import {
  effectiveInstanceSettings,
  type InstanceSettings,
  type InstanceSettingsOverride,
} from '../rules/instance-settings.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

/** The settings in effect per stored record (cached, a new object whenever the instance's settings change). */
const effectiveByStored = new WeakMap<object, InstanceSettings>();

/**
 * The settings in effect in the actor's instance, frozen: one object per stored record, as token requests read them
 * two or three times each (merging every group anew cost 1.5 kB per request, bench/README.md "Allocations").
 */
export async function instanceSettings(instanceId: string): Promise<InstanceSettings> {
  const stored = (await storedInstanceSettings(instanceId)) as InstanceSettingsOverride | null | undefined;
  if (!stored || typeof stored !== 'object') return effectiveInstanceSettings(stored);
  let effective = effectiveByStored.get(stored);
  if (!effective) {
    effective = effectiveInstanceSettings(stored);
    for (const group of Object.values(effective)) Object.freeze(group);
    effectiveByStored.set(stored, Object.freeze(effective));
  }
  return effective;
}

/** Changes the fields given (a partial update: a field not named keeps its value) and records the change. */
export function updateInstanceSettings(actor: Actor, change: InstanceSettingsOverride): Promise<InstanceSettings> {
  return asOneChange(actor, async () => {
    const fields: Record<string, boolean> = {};
    for (const [group, values] of Object.entries(change))
      for (const [field, value] of Object.entries(values ?? {}))
        if (typeof value === 'boolean') fields[`settings.${group}.${field}`] = value;
    if (Object.keys(fields).length > 0) {
      await setInstanceSettings(actor.instanceId, fields);
      await recordChange(actor, {
        orgId: null,
        type: 'instance.settings.changed',
        resourceType: 'instance',
        resourceId: actor.instanceId,
        payload: { settings: change },
      });
    }
    return instanceSettings(actor.instanceId);
  });
}
