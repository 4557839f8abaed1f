import { domainModels, Instance, InstanceDomain } from '../models/index.ts';
import { oidcPayloadModels } from '../models/oidc-payload.ts';
import { deleteStreamed, keyedCollection, type DeletionBatches } from './batched-deletes.ts';

export type { DeletionBatches, DeletionStep } from './batched-deletes.ts';

/**
 * Deletes everything stored for the instance in the collections keyed by `instanceId` (served from their indexes),
 * but its record and its domain claims. Safe to run again after an interruption: it deletes what is left.
 */
export async function deleteInstanceData(instanceId: string, batches: DeletionBatches): Promise<number> {
  let deleted = 0;
  const keptToTheEnd: unknown[] = [Instance, InstanceDomain];
  for (const model of domainModels) {
    if (keptToTheEnd.includes(model)) continue;
    deleted += await deleteStreamed(keyedCollection(model), { instanceId }, () => true, batches);
  }
  return deleted;
}

/**
 * Deletes the provider's sessions, codes and tokens of these instances: their `_id` starts with `{instanceId}:`
 * (oidc/adapter.ts), which no index serves, so each collection is read once, whole, for all of them together.
 */
export async function deleteOidcArtifacts(instanceIds: readonly string[], batches: DeletionBatches): Promise<number> {
  if (instanceIds.length === 0) return 0;
  const prefixes = new Set(instanceIds.map((instanceId) => `${instanceId}:`));
  const belongs = (id: string): boolean => prefixes.has(id.slice(0, id.indexOf(':') + 1));
  let deleted = 0;
  for (const model of oidcPayloadModels())
    deleted += await deleteStreamed(keyedCollection(model), {}, belongs, batches);
  return deleted;
}

/** The instances being removed (or whose creation is being undone), by any process. */
export async function instancesBeingRemoved(): Promise<string[]> {
  const removing = await Instance.find({ state: 'removing' }, { _id: 1 }).lean();
  return removing.map(({ _id }) => _id);
}

/**
 * The last step of a removal: the host names are free again, then the record goes. The instance's cache revision
 * stays (a random value and a date) until the sweeper deletes it with every old one: its last change is how other
 * processes learn that the instance is gone.
 */
export async function deleteInstanceRecord(instanceId: string): Promise<void> {
  await InstanceDomain.deleteMany({ instanceId });
  await Instance.deleteOne({ _id: instanceId });
}
