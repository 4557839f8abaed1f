import { Membership, Organization, Project, ProjectGrant, User } from '../../store/models/index.ts';
import { removeOrgExtensions } from './org-extensions.ts';
import type { OrganizationDocument } from '../../store/models/organization.ts';
import type { ProjectDocument } from '../../store/models/project.ts';
import type { ProjectGrantDocument } from '../../store/models/project-grant.ts';
import type { UserDocument } from '../../store/models/user.ts';
import { slug } from '../rules/org-domains.ts';
import type { LoginPolicyOverride } from '../rules/login-policy.ts';
import { refuseUnsupportedPolicy } from './login-policies.ts';
import { refuseUnavailableIdps } from './identity-providers.ts';
import { removeProjectGrant } from './project-grants.ts';
import { removeProject } from './projects.ts';
import { removeUserGrantsWhere } from './user-grants.ts';
import { deleteUser } from './user-lifecycle.ts';
import type { SessionEnder } from './user-sessions.ts';
import { keepingAnIamOwner } from './iam-owners.ts';
import { asOneChange, concurrentChange, recordChange, changeArray, uniquely, type Actor } from './changes.ts';
import { notFound, conflict } from '../errors.ts';
import { findScoped } from '../../store/queries/scoped.ts';
import { addDomainUnlessTaken, domainTaken } from '../../store/queries/org-domains.ts';
import { signedInUsersOfOrg } from '../../store/queries/oidc-sessions.ts';

export type OrgRecord = OrganizationDocument & { _id: string };

/**
 * The stored org, read fresh, as the management API shows and changes it; the hot paths read a cached summary instead
 * (findOrg in store/queries/accounts.ts).
 */
export function findOrgRecord(instanceId: string, orgId: string): Promise<OrgRecord | null> {
  return findScoped(Organization, instanceId, orgId);
}

/** One page of the orgs the caller sees (visibleOrgIds null: all of the instance's), filtered before paging. */
export function listOrgs(
  instanceId: string,
  page: { limit: number; offset: number },
  visibleOrgIds: readonly string[] | null,
): Promise<OrgRecord[]> {
  return Organization.find({ instanceId, ...(visibleOrgIds ? { _id: { $in: [...visibleOrgIds] } } : {}) })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<OrgRecord[]>();
}

export function createOrg(
  actor: Actor,
  input: { name: string; primaryDomain?: string },
  instanceDomain: string,
): Promise<OrgRecord> {
  return asOneChange(actor, async () => {
    const primaryDomain = (input.primaryDomain ?? `${slug(input.name)}.${instanceDomain}`).toLowerCase();
    if (await domainTaken(actor.instanceId, primaryDomain)) throw conflict(`the domain ${primaryDomain} is taken`);
    const created = await uniquely(
      () =>
        Organization.create({
          instanceId: actor.instanceId,
          name: input.name,
          primaryDomain,
          domains: [{ domain: primaryDomain, verified: !input.primaryDomain }],
        }),
      'an organization with this name or primary domain exists',
    );
    await recordChange(actor, {
      orgId: created._id,
      type: 'org.added',
      resourceType: 'org',
      resourceId: created._id,
      payload: { name: input.name, primaryDomain },
    });
    return created.toObject() as OrgRecord;
  });
}

export function renameOrg(actor: Actor, org: OrgRecord, name: string): Promise<OrgRecord> {
  return asOneChange(actor, async () => {
    const updated = await uniquely(
      () =>
        Organization.findOneAndUpdate(
          { instanceId: actor.instanceId, _id: org._id },
          { $set: { name } },
          { returnDocument: 'after', runValidators: true },
        ).lean<OrgRecord>(),
      'an organization with this name exists',
    );
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: org._id,
      type: 'org.changed',
      resourceType: 'org',
      resourceId: org._id,
      payload: { name },
    });
    return updated;
  });
}

function refuseDefaultOrg(org: OrgRecord, defaultOrgId: string, what: string): void {
  if (org._id === defaultOrgId) throw conflict(`the instance's default organization cannot be ${what}`);
}

/** An org whose users are the last active IAM owners stays active (iam-owners.ts): undone by its previous state. */
function deactivateKeepingAnIamOwner<T>(actor: Actor, org: OrgRecord, deactivate: () => Promise<T>): Promise<T> {
  return keepingAnIamOwner(
    actor.instanceId,
    (owners) => owners.some((owner) => owner.orgId === org._id),
    deactivate,
    () => Organization.updateOne({ instanceId: actor.instanceId, _id: org._id }, { $set: { state: org.state } }),
  );
}

/**
 * Deactivating an org also ends its users' sessions, as deactivating a user does (user-lifecycle.ts): their tokens
 * already stop working (oidc/accounts.ts serves only active users of active orgs), and ending the sessions is what
 * tells the apps, through back-channel logout, and signs the browsers out.
 */
export function setOrgState(
  actor: Actor,
  org: OrgRecord,
  state: 'active' | 'inactive',
  defaultOrgId: string,
  endSessions: SessionEnder,
): Promise<OrgRecord> {
  return asOneChange(actor, async () => {
    if (state === 'inactive') refuseDefaultOrg(org, defaultOrgId, 'deactivated');
    const update = () =>
      Organization.findOneAndUpdate(
        { instanceId: actor.instanceId, _id: org._id },
        { $set: { state } },
        { returnDocument: 'after' },
      ).lean<OrgRecord>();
    const updated = state === 'inactive' ? await deactivateKeepingAnIamOwner(actor, org, update) : await update();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: org._id,
      type: state === 'active' ? 'org.reactivated' : 'org.deactivated',
      resourceType: 'org',
      resourceId: org._id,
    });
    if (state === 'inactive')
      for await (const userId of signedInUsersOfOrg(actor.instanceId, org._id)) await endSessions(userId);
    return updated;
  });
}

export function addOrgDomain(actor: Actor, org: OrgRecord, domain: string): Promise<OrgRecord> {
  return asOneChange(actor, async () => {
    const updated = await addDomainUnlessTaken(actor.instanceId, org._id, domain);
    if (updated === 'missing') throw notFound();
    if (updated === 'taken') throw conflict(`the domain ${domain} is taken`);
    if (updated === 'contended') throw concurrentChange();
    await recordChange(actor, {
      orgId: org._id,
      type: 'org.domain.added',
      resourceType: 'org',
      resourceId: org._id,
      payload: { domain },
    });
    return updated;
  });
}

export function removeOrgDomain(actor: Actor, org: OrgRecord, domain: string): Promise<void> {
  return asOneChange(actor, async () => {
    if (domain === org.primaryDomain) throw conflict('the primary domain cannot be removed');
    const found = await changeArray<{ domain: string }>(
      Organization,
      { instanceId: actor.instanceId, _id: org._id },
      'domains',
      (domains) => {
        if (!domains.some((entry) => entry.domain === domain)) throw notFound();
        return domains.filter((entry) => entry.domain !== domain);
      },
    );
    if (!found) throw notFound();
    await recordChange(actor, {
      orgId: org._id,
      type: 'org.domain.removed',
      resourceType: 'org',
      resourceId: org._id,
      payload: { domain },
    });
  });
}

export function setOrgLoginPolicy(
  actor: Actor,
  org: OrgRecord,
  policy: LoginPolicyOverride | null,
): Promise<OrgRecord> {
  return asOneChange(actor, async () => {
    refuseUnsupportedPolicy(policy);
    await refuseUnavailableIdps(actor.instanceId, org._id, policy?.idps);
    const updated = await Organization.findOneAndUpdate(
      { instanceId: actor.instanceId, _id: org._id },
      { $set: { loginPolicy: policy } },
      { returnDocument: 'after', runValidators: true },
    ).lean<OrgRecord>();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: org._id,
      type: policy ? 'org.login_policy.set' : 'org.login_policy.reset',
      resourceType: 'org',
      resourceId: org._id,
      payload: policy ? { policy } : {},
    });
    return updated;
  });
}

/**
 * Deletes an org and everything that hangs on it. The org is deactivated first (its users stop
 * logging in); then its projects (with their grants, user grants and apps), the grants it received
 * (with the user grants it made through them), the user grants it made, its users (whose sign-in sessions end, as
 * when a manager deletes a user: deleteUser) and its managers; the org record goes last. Each step is idempotent, so
 * re-running after a crash completes it.
 */
export function removeOrg(
  actor: Actor,
  org: OrgRecord,
  defaultOrgId: string,
  endSessions: SessionEnder,
): Promise<void> {
  return asOneChange(actor, async () => {
    refuseDefaultOrg(org, defaultOrgId, 'removed');
    const { instanceId } = actor;
    const reason = 'org.removed';
    await deactivateKeepingAnIamOwner(actor, org, () =>
      Organization.updateOne({ instanceId, _id: org._id }, { $set: { state: 'inactive' } }),
    );
    for (const project of await Project.find({ instanceId, orgId: org._id }).lean<ProjectDocument[]>())
      await removeProject(actor, project, reason);
    for (const grant of await ProjectGrant.find({ instanceId, grantedOrgId: org._id }).lean<ProjectGrantDocument[]>())
      await removeProjectGrant(actor, grant, reason);
    await removeUserGrantsWhere(actor, { orgId: org._id }, { reason, removedOrgId: org._id });
    for (const user of await User.find({ instanceId, orgId: org._id }).lean<UserDocument[]>())
      await deleteUser(actor, user, endSessions, reason);
    await Membership.deleteMany({ instanceId, orgId: org._id });
    await removeOrgExtensions(actor, org._id);
    await Organization.deleteOne({ instanceId, _id: org._id });
    await recordChange(actor, {
      orgId: org._id,
      type: 'org.removed',
      resourceType: 'org',
      resourceId: org._id,
      payload: { name: org.name },
    });
  });
}

/** The active org whose primary domain this is exactly (no search): how a granting org names the org it grants to. */
export function findOrgByPrimaryDomain(instanceId: string, primaryDomain: string): Promise<OrgRecord | null> {
  return Organization.findOne({
    instanceId,
    primaryDomain: primaryDomain.toLowerCase(),
    state: 'active',
  }).lean<OrgRecord>();
}
