import type { Config } from '../../platform/config.ts';
import { randomSecret, type MasterKey } from '../../platform/crypto.ts';
import { fetchChallenge, lookupTxt } from '../../platform/domain-challenge.ts';
import { Organization } from '../../store/models/index.ts';
import { findOrgWithVerifiedDomain } from '../../store/queries/org-domains.ts';
import { conflict, invalidField, notFound } from '../errors.ts';
import {
  CHALLENGE_DNS_PREFIX,
  challengeHttpPath,
  challengeLocation,
  type DomainValidationType,
} from '../rules/domain-challenge.ts';
import { asOneChange, changeArray, recordChange, uniquely, type Actor } from './changes.ts';
import type { OrgRecord } from './orgs.ts';

/**
 * Verified org domains (ZITADEL's GenerateOrgDomainValidation, ValidateOrgDomain, SetPrimaryOrgDomain): the org owner
 * asks for a token, publishes it over HTTP or DNS, and asks for the check; a verified domain makes `user@domain` a
 * login name and can become the org's primary domain.
 */
export interface DomainServices {
  config: Config;
  masterKey: MasterKey;
}

interface StoredDomain {
  domain: string;
  verified?: boolean | null;
  validationType?: DomainValidationType | null;
  validationToken?: string | null;
}

const TOKEN_PURPOSE = 'org-domain-validation';

function domainOf(org: OrgRecord, domain: string): StoredDomain {
  const found = (org.domains as StoredDomain[]).find((entry) => entry.domain === domain);
  if (!found) throw notFound();
  if (found.verified) throw conflict(`the domain ${domain} is verified already`);
  return found;
}

/** Rewrites the org's entry for `domain` (under the org's write lock: store/queries/array-rewrite.ts). */
async function changeDomain(
  actor: Actor,
  org: OrgRecord,
  domain: string,
  change: (entry: StoredDomain) => StoredDomain,
) {
  const found = await changeArray<StoredDomain>(
    Organization,
    { instanceId: actor.instanceId, _id: org._id },
    'domains',
    (domains) => {
      if (!domains.some((entry) => entry.domain === domain)) throw notFound();
      return domains.map((entry) => (entry.domain === domain ? change(entry) : entry));
    },
  );
  if (!found) throw notFound();
}

/** A new token for an unverified domain of the org (replacing any earlier one), and where to publish it. */
export function generateDomainValidation(
  services: DomainServices,
  actor: Actor,
  org: OrgRecord,
  domain: string,
  type: DomainValidationType,
): Promise<{ token: string; url: string }> {
  return asOneChange(actor, async () => {
    domainOf(org, domain);
    // An address is not a domain anyone proves: the check would only make Castellan call into its own network.
    if (/^[0-9.]+$/.test(domain)) throw invalidField('domain', 'an IP address cannot be verified');
    const token = randomSecret(24);
    const sealed = services.masterKey.encrypt(token, TOKEN_PURPOSE);
    await changeDomain(actor, org, domain, (entry) => ({ ...entry, validationType: type, validationToken: sealed }));
    await recordChange(actor, {
      orgId: org._id,
      type: 'org.domain.verification.added',
      resourceType: 'org',
      resourceId: org._id,
      payload: { domain, validationType: type },
    });
    return { token, url: challengeLocation(type, domain, token) };
  });
}

/** Why the published token was not found, or null when it was. */
async function challengeProblem(services: DomainServices, domain: string, type: DomainValidationType, token: string) {
  const network = services.config.domainVerification;
  try {
    if (type === 'dns') {
      const records = await lookupTxt(network, `${CHALLENGE_DNS_PREFIX}${domain}`);
      return records.includes(token) ? null : `no TXT record ${CHALLENGE_DNS_PREFIX}${domain} holds the token`;
    }
    const answer = await fetchChallenge(network, domain, challengeHttpPath(token));
    if (answer.status !== 200) return `${challengeHttpPath(token)} answered HTTP ${answer.status}`;
    return answer.body.trim() === token ? null : `${challengeHttpPath(token)} does not hold the token`;
  } catch (error) {
    return `the check failed: ${(error as Error).message}`;
  }
}

/**
 * Checks the published token: the domain becomes verified, or 400 says what was not found (and a
 * `org.domain.verification.failed` event records it). A domain another org of the instance verified is refused.
 */
export function verifyOrgDomain(services: DomainServices, actor: Actor, org: OrgRecord, domain: string) {
  return asOneChange(actor, async () => {
    const entry = domainOf(org, domain);
    if (!entry.validationType || !entry.validationToken)
      throw conflict(`no validation was generated for ${domain} (POST …/domains/${domain}/validation)`);
    const holder = await findOrgWithVerifiedDomain(actor.instanceId, domain);
    if (holder && holder._id !== org._id) throw conflict(`the domain ${domain} is verified by another organization`);
    const token = services.masterKey.decrypt(entry.validationToken, TOKEN_PURPOSE);
    const problem = await challengeProblem(services, domain, entry.validationType, token);
    const event = { orgId: org._id, resourceType: 'org', resourceId: org._id };
    if (problem) {
      await recordChange(actor, { ...event, type: 'org.domain.verification.failed', payload: { domain, problem } });
      throw invalidField('domain', `verification of ${domain} failed: ${problem}`);
    }
    await changeDomain(actor, org, domain, ({ domain: name }) => ({ domain: name, verified: true }));
    await recordChange(actor, { ...event, type: 'org.domain.verified', payload: { domain } });
  });
}

/** A verified domain becomes the org's primary domain: login names (`user@primary`) change with it, as in ZITADEL. */
export function setPrimaryOrgDomain(actor: Actor, org: OrgRecord, domain: string): Promise<OrgRecord> {
  return asOneChange(actor, async () => {
    const entry = (org.domains as StoredDomain[]).find((candidate) => candidate.domain === domain);
    if (!entry) throw notFound();
    if (!entry.verified) throw conflict(`the domain ${domain} is not verified`);
    const updated = await uniquely(
      () =>
        Organization.findOneAndUpdate(
          { instanceId: actor.instanceId, _id: org._id },
          { $set: { primaryDomain: domain } },
          { returnDocument: 'after' },
        ).lean<OrgRecord>(),
      `the domain ${domain} is another organization's primary domain`,
    );
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: org._id,
      type: 'org.domain.primary.set',
      resourceType: 'org',
      resourceId: org._id,
      payload: { domain, previous: org.primaryDomain },
    });
    return updated;
  });
}
