import { Organization, Project } from '../../store/models/index.ts';
import type { TokenLifetimes } from '../../store/models/common.ts';
import type { OrgRecord } from './orgs.ts';
import type { ProjectDocument } from '../../store/models/project.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { invalidField, notFound } from '../errors.ts';

/**
 * An org's or a project's override of the instance's token lifetimes, field by field; null inherits (the org's from
 * the instance, the project's from its org: oidc/clients.ts effectiveLifetimes). Beyond ZITADEL, which has instance
 * lifetimes only (issue 3).
 */
export type LifetimeOverrides = { [K in keyof TokenLifetimes]: number | null };

export const LIFETIME_FIELDS = [
  'accessTokenSeconds',
  'idTokenSeconds',
  'refreshTokenIdleSeconds',
  'refreshTokenAbsoluteSeconds',
] as const satisfies ReadonlyArray<keyof TokenLifetimes>;

type StoredLifetimes = Partial<Record<keyof TokenLifetimes, number | null | undefined>> | null | undefined;

export function lifetimeOverrides(stored: StoredLifetimes): LifetimeOverrides {
  return Object.fromEntries(LIFETIME_FIELDS.map((field) => [field, stored?.[field] ?? null])) as LifetimeOverrides;
}

/** An idle refresh lifetime beyond the absolute one would never apply (the grant ends first): refused, not ignored. */
function checkRefreshLifetimes(overrides: LifetimeOverrides): void {
  const { refreshTokenIdleSeconds: idle, refreshTokenAbsoluteSeconds: absolute } = overrides;
  if (idle !== null && absolute !== null && idle > absolute)
    throw invalidField('refreshTokenIdleSeconds', 'must not exceed refreshTokenAbsoluteSeconds');
}

/** Only the fields that are set are stored, so an unset one keeps inheriting. */
function storedForm(overrides: LifetimeOverrides): Partial<TokenLifetimes> | null {
  const set = Object.entries(overrides).filter(([, value]) => value !== null);
  return set.length ? (Object.fromEntries(set) as Partial<TokenLifetimes>) : null;
}

interface LifetimeHolder {
  resourceType: 'org' | 'project';
  resourceId: string;
  orgId: string;
  /** Stores the overrides; returns what is stored after, or null when the holder is gone. */
  store(tokenLifetimes: Partial<TokenLifetimes> | null): Promise<{ tokenLifetimes?: StoredLifetimes } | null>;
}

function setTokenLifetimes(actor: Actor, holder: LifetimeHolder, overrides: LifetimeOverrides) {
  checkRefreshLifetimes(overrides);
  return asOneChange(actor, async () => {
    const updated = await holder.store(storedForm(overrides));
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: holder.orgId,
      type: `${holder.resourceType}.token_lifetimes.set`,
      resourceType: holder.resourceType,
      resourceId: holder.resourceId,
      payload: { ...overrides },
    });
    return lifetimeOverrides(updated.tokenLifetimes);
  });
}

const AFTER = { returnDocument: 'after', runValidators: true } as const;

export function setOrgTokenLifetimes(
  actor: Actor,
  org: OrgRecord,
  overrides: LifetimeOverrides,
): Promise<LifetimeOverrides> {
  return setTokenLifetimes(
    actor,
    {
      resourceType: 'org',
      resourceId: org._id,
      orgId: org._id,
      store: (tokenLifetimes) =>
        Organization.findOneAndUpdate(
          { instanceId: actor.instanceId, _id: org._id },
          { $set: { tokenLifetimes } },
          AFTER,
        ).lean(),
    },
    overrides,
  );
}

export function setProjectTokenLifetimes(
  actor: Actor,
  project: ProjectDocument,
  overrides: LifetimeOverrides,
): Promise<LifetimeOverrides> {
  return setTokenLifetimes(
    actor,
    {
      resourceType: 'project',
      resourceId: project._id,
      orgId: project.orgId,
      store: (tokenLifetimes) =>
        Project.findOneAndUpdate(
          { instanceId: actor.instanceId, _id: project._id },
          { $set: { tokenLifetimes } },
          AFTER,
        ).lean(),
    },
    overrides,
  );
}
