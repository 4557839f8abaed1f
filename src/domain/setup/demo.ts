import type { Config } from '../../platform/config.ts';
import { secretHash, type MasterKey } from '../../platform/crypto.ts';
import { hashPassword } from '../../platform/passwords.ts';
import {
  Application,
  Instance,
  Membership,
  Organization,
  Project,
  ProjectGrant,
  User,
  UserGrant,
} from '../../store/models/index.ts';
import { recordEvent, SYSTEM_ACTOR } from '../../store/queries/events.ts';
import { clientSecretHashKey } from '../../platform/derived-keys.ts';
import { slug } from '../rules/org-domains.ts';
import { asOneChange } from '../commands/changes.ts';

export const DEMO_PASSWORD = 'Demo-Passw0rd!';
export const DEMO_CLIENT_ID = 'demo-rp';
export const DEMO_PROJECT_NAME = 'Time Tracking';

/** The demo RP's secret is derived, not stored, so the built-in demo relying party can authenticate. */
export function demoClientSecret(masterKey: MasterKey): string {
  return masterKey.derive('demo-rp-secret').toString('base64url');
}

/** Inserts `doc` unless a document matches `filter` (a unique key); returns the stored id either way. */
async function ensure(
  model:
    | typeof Organization
    | typeof User
    | typeof Project
    | typeof Application
    | typeof ProjectGrant
    | typeof UserGrant
    | typeof Membership,
  filter: Record<string, unknown>,
  doc: Record<string, unknown>,
): Promise<string> {
  const found = await (model as typeof Organization).findOne(filter, { _id: 1 }).lean();
  if (found) return found._id;
  const created = await (model as typeof Organization).create({ ...filter, ...doc });
  return created._id;
}

/**
 * Seed document 002's scenario: ACME owns a time-keeping project with roles accountant and developer,
 * granted to Alpha and Beta; Beta grants Bob `developer`, and grants Alice (a user of Alpha) `accountant`.
 * Idempotent, like the bootstrap.
 */
export function loadDemo(config: Config, instanceId: string, masterKey: MasterKey): Promise<void> {
  return asOneChange({ instanceId, actorId: SYSTEM_ACTOR }, async () => {
    const instance = await Instance.findById(instanceId).lean();
    if (!instance) throw new Error(`instance ${instanceId} not found`);
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const firstLoad = !(await Organization.exists({ instanceId, primaryDomain: `acme.${instance.primaryDomain}` }));
    const orgs: Record<string, string> = {};
    for (const name of ['ACME', 'Alpha', 'Beta']) {
      const primaryDomain = `${slug(name)}.${instance.primaryDomain}`;
      orgs[name] = await ensure(
        Organization,
        { instanceId, primaryDomain },
        { name, domains: [{ domain: primaryDomain, verified: true }] },
      );
    }
    const human = (orgName: string, username: string, givenName: string, familyName: string) =>
      ensure(
        User,
        { instanceId, username },
        {
          orgId: orgs[orgName],
          type: 'human',
          human: {
            email: `${username}@${slug(orgName)}.${instance.primaryDomain}`,
            emailVerified: true,
            givenName,
            familyName,
            displayName: `${givenName} ${familyName}`,
            passwordHash,
          },
        },
      );
    const acmeOwner = await human('ACME', 'acme-owner', 'Ada', 'Acme');
    const betaOwner = await human('Beta', 'beta-owner', 'Bea', 'Beta');
    // Every org has a manager, so the console shows each org's scope at once (issue 18).
    const alphaOwner = await human('Alpha', 'alpha-owner', 'Al', 'Alpha');
    const alice = await human('Alpha', 'alice', 'Alice', 'Alpha');
    const bob = await human('Beta', 'bob', 'Bob', 'Beta');

    const projectId = await ensure(
      Project,
      { instanceId, orgId: orgs.ACME, name: DEMO_PROJECT_NAME },
      {
        roles: [
          { key: 'accountant', displayName: 'Accountant' },
          { key: 'developer', displayName: 'Developer' },
        ],
        projectRoleAssertion: true,
      },
    );
    await ensure(
      Application,
      { instanceId, clientId: DEMO_CLIENT_ID },
      {
        projectId,
        orgId: orgs.ACME,
        name: 'Demo relying party',
        type: 'oidc',
        clientSecretHash: secretHash(clientSecretHashKey(masterKey), demoClientSecret(masterKey)),
        oidc: {
          redirectUris: [`${config.publicUrl}/demo/callback`],
          postLogoutRedirectUris: [`${config.publicUrl}/`],
          grantTypes: ['authorization_code', 'refresh_token'],
          authMethod: 'basic',
          idTokenRoleAssertion: true,
          idTokenUserinfoAssertion: true,
          accessTokenRoleAssertion: true,
          accessTokenType: 'jwt',
          flatRolesClaim: true,
        },
      },
    );
    // PUBLIC_URL may have changed since the demo was loaded: keep the demo RP reachable at the current one.
    await Application.updateOne(
      { instanceId, clientId: DEMO_CLIENT_ID },
      {
        $addToSet: {
          'oidc.redirectUris': `${config.publicUrl}/demo/callback`,
          'oidc.postLogoutRedirectUris': `${config.publicUrl}/`,
        },
      },
    );
    const grants: Record<string, string> = {};
    for (const name of ['Alpha', 'Beta']) {
      grants[name] = await ensure(
        ProjectGrant,
        { instanceId, projectId, grantedOrgId: orgs[name] },
        { orgId: orgs.ACME, roleKeys: ['accountant', 'developer'] },
      );
    }
    await ensure(
      UserGrant,
      { instanceId, orgId: orgs.Beta, userId: bob, projectId },
      { userOrgId: orgs.Beta, projectGrantId: grants.Beta, roleKeys: ['developer'] },
    );
    await ensure(
      UserGrant,
      { instanceId, orgId: orgs.Beta, userId: alice, projectId },
      { userOrgId: orgs.Alpha, projectGrantId: grants.Beta, roleKeys: ['accountant'] },
    );
    await ensure(
      Membership,
      { instanceId, level: 'org', resourceId: orgs.ACME, userId: acmeOwner },
      { orgId: orgs.ACME, roles: ['ORG_OWNER'] },
    );
    await ensure(
      Membership,
      { instanceId, level: 'project', resourceId: projectId, userId: acmeOwner },
      { orgId: orgs.ACME, projectId, roles: ['PROJECT_OWNER'] },
    );
    await ensure(
      Membership,
      { instanceId, level: 'org', resourceId: orgs.Beta, userId: betaOwner },
      { orgId: orgs.Beta, roles: ['ORG_OWNER'] },
    );
    await ensure(
      Membership,
      { instanceId, level: 'org', resourceId: orgs.Alpha, userId: alphaOwner },
      { orgId: orgs.Alpha, roles: ['ORG_OWNER'] },
    );
    if (firstLoad)
      await recordEvent({
        instanceId,
        orgId: orgs.ACME!,
        actorId: SYSTEM_ACTOR,
        type: 'demo.loaded',
        resourceType: 'instance',
        resourceId: instanceId,
      });
  });
}
