import { Instance } from '../../store/models/index.ts';
import type { InstanceDocument, INSTANCE_STATES } from '../../store/models/instance.ts';
import type { TokenLifetimes } from '../../store/models/common.ts';
import { claimDomains, releaseDomains } from '../../store/queries/instance-domains.ts';
import { recordSystemEvent } from '../../store/queries/system-events.ts';
import { conflict, invalidField, notFound } from '../errors.ts';
import { issuerFor, normalizedDomain } from '../rules/instance-domains.ts';
import { asOneChange, recordChange } from './changes.ts';
import { ensureConsoleApp } from '../setup/console-app.ts';

/**
 * What the System API changes on an instance (ZITADEL system API: UpdateInstance, AddDomain, RemoveDomain,
 * SetPrimaryDomain). Each is one unit of change of the instance: every process drops its cached record of it within a
 * revision poll, and the tenant registry (oidc/tenants.ts) rebuilds the provider when the issuer moved.
 */
export type InstanceRecord = InstanceDocument & { _id: string; createdAt?: Date; updatedAt?: Date };

const SYSTEM_VISIBLE_STATES: Array<(typeof INSTANCE_STATES)[number]> = ['active', 'inactive', 'removing'];

/** The domain as stored (lower case), or a 400 naming the field. */
export function domainOf(field: string, domain: string): string {
  const normalized = normalizedDomain(domain);
  if (normalized === null) throw invalidField(field, `${domain} is not a host name`);
  return normalized;
}

/** The instance as the operator sees it; one still being created does not exist yet. */
export async function findInstance(instanceId: string): Promise<InstanceRecord> {
  const instance = await Instance.findOne({ _id: instanceId, state: { $in: SYSTEM_VISIBLE_STATES } }).lean();
  if (!instance) throw notFound();
  return instance as InstanceRecord;
}

export function listInstances(page: { offset: number; limit: number }): Promise<InstanceRecord[]> {
  return Instance.find({ state: { $in: SYSTEM_VISIBLE_STATES } })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<InstanceRecord[]>();
}

export function countInstances(): Promise<number> {
  return Instance.countDocuments({ state: { $in: SYSTEM_VISIBLE_STATES } });
}

/** A removing instance can no longer be changed: only its removal finishing. */
export async function changeableInstance(instanceId: string): Promise<InstanceRecord> {
  const instance = await findInstance(instanceId);
  if (instance.state === 'removing') throw conflict('the instance is being removed');
  return instance;
}

async function update(
  actorId: string,
  instanceId: string,
  set: Record<string, unknown>,
  event: { type: string; payload: Record<string, unknown> },
): Promise<InstanceRecord> {
  return asOneChange({ instanceId, actorId }, async () => {
    const updated = await Instance.findOneAndUpdate({ _id: instanceId, state: { $in: ['active', 'inactive'] } }, set, {
      returnDocument: 'after',
      runValidators: true,
    }).lean();
    if (!updated) throw notFound();
    await recordChange(
      { instanceId, actorId },
      { orgId: null, resourceType: 'instance', resourceId: instanceId, ...event },
    );
    return updated as InstanceRecord;
  });
}

/**
 * An update that changes the instance as a whole (its state or domains): also in the deployment's audit log, which
 * outlives the instance (store/models/system-event.ts).
 */
async function updateAndLog(
  actorId: string,
  instanceId: string,
  set: Record<string, unknown>,
  event: { type: string; payload: Record<string, unknown> },
): Promise<InstanceRecord> {
  const updated = await update(actorId, instanceId, set, event);
  await recordSystemEvent({ instanceId, actorId, ...event });
  return updated;
}

export async function updateInstance(
  actorId: string,
  instanceId: string,
  change: { name?: string; tokenLifetimes?: Partial<TokenLifetimes> },
): Promise<InstanceRecord> {
  const instance = await changeableInstance(instanceId);
  const set: Record<string, unknown> = {};
  if (change.name !== undefined) set.name = change.name;
  if (change.tokenLifetimes) {
    // A lifetime left out keeps its value, and so does one present but undefined (a spread would store it as missing).
    const given = Object.entries(change.tokenLifetimes).filter(([, seconds]) => seconds !== undefined);
    set.tokenLifetimes = { ...instance.tokenLifetimes, ...Object.fromEntries(given) };
  }
  if (Object.keys(set).length === 0) return instance;
  const updated = await update(actorId, instanceId, { $set: set }, { type: 'instance.changed', payload: change });
  if (change.name !== undefined && change.name !== instance.name)
    await recordSystemEvent({
      instanceId,
      actorId,
      type: 'instance.renamed',
      payload: { from: instance.name, to: change.name },
    });
  return updated;
}

/** Deactivated, the instance answers 404 on every host; reactivated, as before (nothing is lost). */
export async function setInstanceState(
  actorId: string,
  instanceId: string,
  state: 'active' | 'inactive',
): Promise<InstanceRecord> {
  const instance = await changeableInstance(instanceId);
  if (instance.state === state) return instance;
  const type = state === 'active' ? 'instance.reactivated' : 'instance.deactivated';
  return updateAndLog(actorId, instanceId, { $set: { state } }, { type, payload: {} });
}

export async function addInstanceDomain(actorId: string, instanceId: string, input: string): Promise<InstanceRecord> {
  const domain = domainOf('domain', input);
  const instance = await changeableInstance(instanceId);
  if (instance.domains.includes(domain)) return instance;
  if ((await claimDomains(instanceId, [domain])).length)
    throw conflict(`the domain ${domain} belongs to another instance`);
  return updateAndLog(
    actorId,
    instanceId,
    { $addToSet: { domains: domain } },
    { type: 'instance.domain.added', payload: { domain } },
  );
}

export async function removeInstanceDomain(actorId: string, instanceId: string, input: string): Promise<void> {
  const domain = domainOf('domain', input);
  const instance = await changeableInstance(instanceId);
  if (!instance.domains.includes(domain)) throw notFound();
  if (instance.primaryDomain === domain)
    throw conflict('the primary domain cannot be removed: make another primary first');
  await updateAndLog(
    actorId,
    instanceId,
    { $pull: { domains: domain } },
    { type: 'instance.domain.removed', payload: { domain } },
  );
  await releaseDomains(instanceId, [domain]);
}

/**
 * Makes one of the instance's domains the primary one, and so its issuer: tokens issued before name the old issuer and
 * stop verifying for relying parties (as in ZITADEL, the issuer follows the primary domain).
 */
export async function setPrimaryDomain(
  actorId: string,
  instanceId: string,
  input: string,
  publicUrl: string,
): Promise<InstanceRecord> {
  const domain = domainOf('domain', input);
  const instance = await changeableInstance(instanceId);
  if (!instance.domains.includes(domain)) throw notFound();
  if (instance.primaryDomain === domain) return instance;
  const issuer = issuerFor(domain, publicUrl);
  const changed = await updateAndLog(
    actorId,
    instanceId,
    { $set: { primaryDomain: domain, issuer } },
    { type: 'instance.primary_domain.set', payload: { from: instance.primaryDomain, to: domain, issuer } },
  );
  // The console's redirect URIs follow the issuer (setup/console-app.ts adds the new ones).
  await ensureConsoleApp(changed, changed.defaultOrgId);
  return changed;
}
