import { Organization } from '../models/index.ts';
import type { OrganizationDocument } from '../models/organization.ts';
import { ORG_SUMMARY_FIELDS, type OrgSummary } from './accounts.ts';
import { rewriteArray } from './array-rewrite.ts';

interface OrgDomain {
  domain: string;
  verified: boolean;
}

type StoredOrg = OrganizationDocument & { _id: string };

/** The org of the instance that has verified `domain`, if any. */
export async function findOrgWithVerifiedDomain(instanceId: string, domain: string): Promise<OrgSummary | null> {
  // FerretDB v1 has no $elemMatch on subdocument fields: read the orgs holding the domain, pick the one verifying it.
  const orgs = await Organization.find(
    { instanceId, 'domains.domain': domain },
    { ...ORG_SUMMARY_FIELDS, domains: 1 },
  ).lean<Array<OrgSummary & { domains: OrgDomain[] }>>();
  return orgs.find((org) => org.domains.some((entry) => entry.domain === domain && entry.verified)) ?? null;
}

/** Whether an org of the instance holds the domain, as its primary domain or among its domains. */
export async function domainTaken(instanceId: string, domain: string): Promise<boolean> {
  return Boolean(
    (await Organization.exists({ instanceId, primaryDomain: domain })) ??
    (await Organization.exists({ instanceId, 'domains.domain': domain })),
  );
}

/**
 * Adds `domain`, unverified, to the org's domains unless an org of the instance holds it: the org as it is after,
 * or why not. A domain is unique in its instance, but FerretDB v1 cannot keep array elements in a unique index: of
 * writers racing for one domain, each that finds it twice afterwards takes its own out again ('contended' when
 * other writers of the org's domains kept it from doing so).
 */
export async function addDomainUnlessTaken(
  instanceId: string,
  orgId: string,
  domain: string,
): Promise<StoredOrg | 'missing' | 'taken' | 'contended'> {
  if (await domainTaken(instanceId, domain)) return 'taken';
  const updated = await Organization.findOneAndUpdate(
    { instanceId, _id: orgId },
    { $push: { domains: { domain, verified: false } } },
    { returnDocument: 'after', runValidators: true },
  ).lean<StoredOrg>();
  if (!updated) return 'missing';
  if ((await Organization.countDocuments({ instanceId, 'domains.domain': domain })) <= 1) return updated;
  const backedOut = await rewriteArray<OrgDomain>(Organization, { _id: orgId }, 'domains', (domains) =>
    domains.filter((entry) => entry.domain !== domain),
  );
  return backedOut === 'contended' ? 'contended' : 'taken';
}
