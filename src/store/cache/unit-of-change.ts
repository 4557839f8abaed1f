import { AsyncLocalStorage } from 'node:async_hooks';
import { cachedInstanceIds, dropInstanceCache } from './instance-cache.ts';
import { invalidateInstanceCaches } from './revisions.ts';

/** A unit of change under way: its instance, and the instances whose cached data it has changed so far. */
interface UnitOfChange {
  instanceId: string;
  changed: Set<string>;
}

const currentUnit = new AsyncLocalStorage<UnitOfChange>();

/**
 * Runs `work` as one unit of change of the instance. However many documents it writes, itself or through the
 * units it calls (a cascade's steps join the command that started it), every process is told once, when the
 * outermost unit ends: also when it failed half-way, since a partial write may have changed what is cached.
 * A unit that changed nothing publishes nothing.
 */
export async function withinUnitOfChange<T>(instanceId: string, work: () => Promise<T>): Promise<T> {
  if (currentUnit.getStore()?.instanceId === instanceId) return work();
  const unit: UnitOfChange = { instanceId, changed: new Set() };
  try {
    return await currentUnit.run(unit, work);
  } finally {
    await Promise.all([...unit.changed].map(invalidateInstanceCaches));
  }
}

/**
 * Called after every write that changed documents cached data is read from (cache/invalidate-on-write.ts), with
 * the instance the write names. This process forgets that instance's cache at once; other processes learn of it
 * when the unit of change ends, or at once for a write made outside any unit (a test fixture, a one-off script).
 * A write that names no instance counts for its unit's instance, or outside a unit for every instance cached here.
 */
export async function cachedDataChanged(instanceId: string | undefined): Promise<void> {
  const unit = currentUnit.getStore();
  if (!unit) {
    await Promise.all((instanceId ? [instanceId] : cachedInstanceIds()).map(invalidateInstanceCaches));
    return;
  }
  const changed = instanceId ?? unit.instanceId;
  dropInstanceCache(changed);
  unit.changed.add(changed);
}
