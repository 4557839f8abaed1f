import { setInstanceSettings, storedInstanceSettings } from '../../store/queries/instance-settings.ts';
import {
  effectiveInstanceSettings,
  type InstanceSettings,
  type InstanceSettingsOverride,
} from '../rules/instance-settings.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

/** The settings in effect in the actor's instance. */
export async function instanceSettings(instanceId: string): Promise<InstanceSettings> {
  return effectiveInstanceSettings((await storedInstanceSettings(instanceId)) as InstanceSettingsOverride);
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
