import { randomBytes } from 'node:crypto';
import type { Config } from '../../platform/config.ts';
import type { MasterKey } from '../../platform/crypto.ts';
import { clientSecretHashKey } from '../../platform/derived-keys.ts';
import { newId } from '../../platform/ids.ts';
import { Instance, Membership, Project } from '../../store/models/index.ts';
import type { TokenLifetimes } from '../../store/models/common.ts';
import { claimDomains } from '../../store/queries/instance-domains.ts';
import { ensureSigningKeys } from '../../store/queries/signing-keys.ts';
import { recordSystemEvent } from '../../store/queries/system-events.ts';
import { ensureConsoleApp } from '../setup/console-app.ts';
import { conflict, invalidField } from '../errors.ts';
import { generatedDomain, issuerFor } from '../rules/instance-domains.ts';
import { domainOf } from './instance-admin.ts';
import { effectiveLoginPolicy, type LoginPolicyOverride } from '../rules/login-policy.ts';
import { passwordProblems } from '../rules/password-complexity.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';
import { removeInstanceNow } from './instance-removal.ts';
import { refuseUnsupportedPolicy, setInstanceLoginPolicy } from './login-policies.ts';
import { createOrg } from './orgs.ts';
import { setSmtpSettings, type SmtpSettingsInput } from './smtp-settings.ts';
import { setMachineSecret } from './user-credentials.ts';
import { inviteUser } from './user-invitation.ts';
import { createHumanUser, createMachineUser, loginNameOf } from './users.ts';

/** What the System API's create call takes (ZITADEL system API `AddInstance`). */
export interface NewInstance {
  name: string;
  customDomains: string[];
  /** One of the instance's domains; default the first custom domain, else the generated one. */
  primaryDomain?: string;
  org: { name: string };
  owner: {
    username: string;
    email: string;
    givenName: string;
    familyName: string;
    /** Either an initial password or an invitation to set one (which needs SMTP, or the development mode). */
    password?: string;
    sendInvitation?: boolean;
  };
  machine?: { username: string; name: string };
  tokenLifetimes?: Partial<TokenLifetimes>;
  loginPolicy?: LoginPolicyOverride;
  smtp?: SmtpSettingsInput;
}

export interface CreatedInstance {
  id: string;
  issuer: string;
  primaryDomain: string;
  domains: string[];
  orgId: string;
  owner: { id: string; loginName: string; invitationSent: boolean };
  machine: { id: string; clientId: string; clientSecret: string } | null;
}

export interface InstanceServices {
  config: Config;
  masterKey: MasterKey;
}

/** The instance's domains (generated one first), its primary one, each checked: nothing is written before. */
export function plannedDomains(
  config: Config,
  input: Pick<NewInstance, 'name' | 'customDomains' | 'primaryDomain'>,
): { domains: string[]; primaryDomain: string } {
  const custom = input.customDomains.map((domain, index) => domainOf(`customDomains.${index}`, domain));
  const { baseDomain } = config.system;
  const generated = baseDomain ? [generatedDomain(input.name, randomBytes(4).toString('hex'), baseDomain)] : [];
  const domains = [...new Set([...generated, ...custom])];
  if (domains.length === 0)
    throw invalidField('customDomains', 'no base domain is configured to generate one: name at least one domain');
  const primaryDomain = input.primaryDomain
    ? domainOf('primaryDomain', input.primaryDomain)
    : (custom[0] ?? domains[0]!);
  if (!domains.includes(primaryDomain)) throw invalidField('primaryDomain', 'must be one of the instance’s domains');
  return { domains, primaryDomain };
}

/**
 * Creates an instance with its first org, its IAM owner (a human with a password or an invitation) and optionally a
 * machine IAM owner with a client secret (shown once). The domains are claimed first (409 when another instance
 * holds one); the instance is `creating`, served nowhere, until everything exists, and a creation that fails half-way
 * is removed again like any instance (domain/commands/instance-removal.ts), which also finishes one a crash cut short.
 */
export async function createInstance(
  services: InstanceServices,
  actorId: string,
  input: NewInstance,
): Promise<CreatedInstance> {
  const { config } = services;
  const { domains, primaryDomain } = plannedDomains(config, input);
  if (input.loginPolicy) refuseUnsupportedPolicy(input.loginPolicy);
  const complexity = effectiveLoginPolicy(input.loginPolicy ?? null, null).passwordComplexity;
  const weak = input.owner.password ? passwordProblems(input.owner.password, complexity) : [];
  if (weak.length) throw invalidField('owner.password', weak.join('; '));
  if (input.owner.sendInvitation && input.owner.password)
    throw invalidField('owner.sendInvitation', 'an owner created with a password needs no invitation');
  if (!input.owner.sendInvitation && !input.owner.password)
    throw invalidField('owner.password', 'give an initial password, or send an invitation');
  if (input.owner.sendInvitation && !input.smtp && !config.email.logWithoutSmtp)
    throw invalidField('smtp', 'an invitation is sent by email: give the instance’s SMTP settings');
  const instanceId = newId();
  const taken = await claimDomains(instanceId, domains);
  if (taken.length) throw conflict(`the domain ${taken.join(', ')} belongs to another instance`);
  const actor: Actor = { instanceId, actorId };
  try {
    const created = await asOneChange(actor, () => populate(services, actor, input, domains, primaryDomain));
    await Instance.updateOne({ _id: instanceId, state: 'creating' }, { $set: { state: 'active' } });
    await recordSystemEvent({
      instanceId,
      actorId,
      type: 'instance.added',
      payload: { name: input.name, domains, primaryDomain },
    });
    return created;
  } catch (error) {
    await removeInstanceNow(instanceId, config.system.removal);
    throw error;
  }
}

async function populate(
  services: InstanceServices,
  actor: Actor,
  input: NewInstance,
  domains: string[],
  primaryDomain: string,
): Promise<CreatedInstance> {
  const { config, masterKey } = services;
  const { instanceId } = actor;
  const issuer = issuerFor(primaryDomain, config.publicUrl);
  const org = await createOrg(actor, input.org, primaryDomain);
  const managementProject = await Project.create({ instanceId, orgId: org._id, name: 'Castellan' });
  await Instance.create({
    _id: instanceId,
    name: input.name,
    issuer,
    domains,
    primaryDomain,
    state: 'creating',
    managementProjectId: managementProject._id,
    defaultOrgId: org._id,
    tokenLifetimes: { ...config.tokenLifetimes, ...input.tokenLifetimes },
  });
  // The console signs managers in as an app of the management project, in every instance as in the first.
  await ensureConsoleApp({ _id: instanceId, issuer, managementProjectId: managementProject._id }, org._id);
  await recordChange(actor, {
    orgId: null,
    type: 'instance.added',
    resourceType: 'instance',
    resourceId: instanceId,
    payload: { name: input.name, issuer, domains },
  });
  // Key generation (RSA above all) runs while the rest is written; awaited before the instance is served.
  const signingKeys = ensureSigningKeys(instanceId, masterKey);
  signingKeys.catch(() => undefined);
  if (input.loginPolicy) await setInstanceLoginPolicy(actor, input.loginPolicy);
  if (input.smtp) await setSmtpSettings(actor, masterKey, input.smtp);

  const { sendInvitation, ...ownerProfile } = input.owner;
  const owner = await createHumanUser(actor, org._id, { ...ownerProfile, emailVerified: !sendInvitation });
  if (sendInvitation)
    await inviteUser({ services, instance: { _id: instanceId, name: input.name, issuer } }, actor, owner);
  const owners = [owner._id];
  let machine: CreatedInstance['machine'] = null;
  if (input.machine) {
    const user = await createMachineUser(actor, org._id, input.machine);
    const clientSecret = await setMachineSecret(actor, user, clientSecretHashKey(masterKey));
    machine = { id: user._id, clientId: user.username, clientSecret };
    owners.push(user._id);
  }
  for (const userId of owners)
    await Membership.create({
      instanceId,
      level: 'instance',
      resourceId: instanceId,
      orgId: instanceId,
      userId,
      roles: ['IAM_OWNER'],
    });
  await signingKeys;
  return {
    id: instanceId,
    issuer,
    primaryDomain,
    domains,
    orgId: org._id,
    owner: { id: owner._id, loginName: loginNameOf(owner, org), invitationSent: Boolean(sendInvitation) },
    machine,
  };
}
