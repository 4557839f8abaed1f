import type { z } from 'zod';
import type { MasterKey } from '../../platform/crypto.ts';
import { IdentityProvider, Instance, Organization, UserLink } from '../../store/models/index.ts';
import type { IdentityProviderDocument } from '../../store/models/identity-provider.ts';
import { identityProvidersForOrg } from '../../store/queries/identity-providers.ts';
import { DomainError, invalidField, notFound } from '../errors.ts';
import { protocolOf } from '../federation/index.ts';
import type { IdpForProtocol } from '../federation/protocol.ts';
import { PROVIDER_TEMPLATES, TEMPLATE_SECRET_FIELDS } from '../federation/templates.ts';
import type { AttributeMapping } from '../rules/external-profile.ts';
import { asOneChange, recordChange, type Actor } from './changes.ts';

export interface ProviderOptions {
  isCreationAllowed: boolean;
  isLinkingAllowed: boolean;
  isAutoCreation: boolean;
  isAutoUpdate: boolean;
  trustUpstreamAmr: boolean;
}

export interface IdpInput {
  name: string;
  /** A protocol (`oidc`, `oauth`, `saml`) or a template (`google`, `azure-ad`, `okta`, `keycloak`, `github`). */
  type: string;
  settings: Record<string, unknown>;
  options?: Partial<ProviderOptions>;
  mapping?: Partial<AttributeMapping>;
}

const secretPurpose = (field: string) => `idp-secret:${field}`;

function invalidSettings(error: z.ZodError): DomainError {
  const errors = error.issues.map((issue) => ({
    field: ['settings', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  return new DomainError('invalid', errors.map(({ field, message }) => `${field}: ${message}`).join('; '), { errors });
}

function parseOrRefuse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidSettings(parsed.error);
  return parsed.data;
}

/** The decrypted secret fields of a stored configuration. */
function openSecrets(masterKey: MasterKey, idp: Pick<IdentityProviderDocument, 'secrets'>): Record<string, string> {
  const sealed = (idp.secrets ?? {}) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(sealed).map(([field, value]) => [field, masterKey.decrypt(value, secretPurpose(field))]),
  );
}

/** A stored configuration as its protocol sees it: the settings with the secrets decrypted. */
export function idpForProtocol(
  masterKey: MasterKey,
  idp: IdentityProviderDocument,
): IdpForProtocol<Record<string, unknown>> {
  return {
    id: idp._id,
    instanceId: idp.instanceId,
    settings: { ...(idp.settings as Record<string, unknown>), ...openSecrets(masterKey, idp) },
  };
}

/** A template's input with each secret it leaves out taken from the stored configuration (none for a new one). */
function withStoredSecrets(settings: Record<string, unknown>, stored: Record<string, unknown>) {
  const complete = { ...settings };
  for (const field of TEMPLATE_SECRET_FIELDS) if (stored[field] !== undefined) complete[field] ??= stored[field];
  return complete;
}

/**
 * The protocol, template and complete settings of an input; a secret left out of an update keeps the stored one (as the
 * SMTP password does), so a manager can change a configuration without knowing its secrets, and so does a generated
 * field (the SAML SP certificate). Any other field left out is unset: an update replaces the settings.
 */
async function resolveSettings(input: IdpInput, stored: Record<string, unknown>, isNew: boolean) {
  const template = PROVIDER_TEMPLATES[input.type];
  const protocol = protocolOf(template?.protocol ?? input.type);
  if (!protocol) throw invalidField('type', `unknown type ${input.type}`);
  const given = template
    ? template.settings(parseOrRefuse(template.input, withStoredSecrets(input.settings, stored)))
    : input.settings;
  const withSecrets = { ...given };
  for (const field of [...protocol.secretFields, ...(protocol.generatedFields ?? [])])
    if (withSecrets[field] === undefined) withSecrets[field] = stored[field];
  let settings = parseOrRefuse(protocol.settingsSchema, withSecrets);
  if (isNew && protocol.initialize) settings = await protocol.initialize(settings);
  return { protocol, template: template ? input.type : null, settings, mappingDefaults: template?.mapping ?? null };
}

function sealSettings(masterKey: MasterKey, settings: Record<string, unknown>, secretFields: readonly string[]) {
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    if (secretFields.includes(field)) secrets[field] = masterKey.encrypt(String(value), secretPurpose(field));
    else plain[field] = value;
  }
  return { settings: plain, secrets };
}

const eventPrefix = (orgId: string | null) => (orgId ? 'org.idp' : 'instance.idp');

export function createIdentityProvider(
  actor: Actor,
  masterKey: MasterKey,
  orgId: string | null,
  input: IdpInput,
): Promise<IdentityProviderDocument> {
  return asOneChange(actor, async () => {
    const resolved = await resolveSettings(input, {}, true);
    const created = await IdentityProvider.create({
      instanceId: actor.instanceId,
      orgId,
      type: resolved.protocol.type,
      template: resolved.template,
      name: input.name,
      ...sealSettings(masterKey, resolved.settings, resolved.protocol.secretFields),
      options: input.options ?? {},
      mapping: { ...resolved.mappingDefaults, ...input.mapping },
    });
    await recordChange(actor, {
      orgId,
      type: `${eventPrefix(orgId)}.added`,
      resourceType: 'idp',
      resourceId: created._id,
      payload: { name: input.name, type: created.type, template: resolved.template },
    });
    return created.toObject() as IdentityProviderDocument;
  });
}

/** Replaces a configuration (its type may not change: its users' links are of that protocol). */
export function changeIdentityProvider(
  actor: Actor,
  masterKey: MasterKey,
  idp: IdentityProviderDocument,
  input: IdpInput,
): Promise<IdentityProviderDocument> {
  return asOneChange(actor, async () => {
    const stored = { ...(idp.settings as Record<string, unknown>), ...openSecrets(masterKey, idp) };
    const resolved = await resolveSettings(input, stored, false);
    if (resolved.protocol.type !== idp.type) throw invalidField('type', `must stay a ${idp.type} provider`);
    // ZITADEL changes a template's provider only through that template's route (UpdateGoogleProvider…), and migrates
    // a generic OIDC provider to a template but never back (docs: "Migrate from Generic Provider to specific IdP").
    if (idp.template && resolved.template !== idp.template)
      throw invalidField('type', `must stay a ${idp.template} provider (it was made from that template)`);
    const updated = await IdentityProvider.findOneAndUpdate(
      { _id: idp._id, instanceId: actor.instanceId },
      {
        $set: {
          template: resolved.template,
          name: input.name,
          ...sealSettings(masterKey, resolved.settings, resolved.protocol.secretFields),
          options: input.options ?? {},
          mapping: { ...resolved.mappingDefaults, ...input.mapping },
        },
      },
      { returnDocument: 'after', runValidators: true },
    ).lean<IdentityProviderDocument>();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: idp.orgId ?? null,
      type: `${eventPrefix(idp.orgId ?? null)}.changed`,
      resourceType: 'idp',
      resourceId: idp._id,
      payload: { name: input.name, template: resolved.template },
    });
    return updated;
  });
}

/** Removes a configuration, its users' links and its place in every login policy that lists it. */
export function removeIdentityProvider(actor: Actor, idp: IdentityProviderDocument): Promise<void> {
  return asOneChange(actor, async () => {
    const { instanceId } = actor;
    await IdentityProvider.deleteOne({ _id: idp._id, instanceId });
    await UserLink.deleteMany({ instanceId, idpId: idp._id });
    await Organization.updateMany(
      { instanceId, 'loginPolicy.idps': idp._id },
      { $pull: { 'loginPolicy.idps': idp._id } },
    );
    await Instance.updateOne(
      { _id: instanceId, 'loginPolicy.idps': idp._id },
      { $pull: { 'loginPolicy.idps': idp._id } },
    );
    await recordChange(actor, {
      orgId: idp.orgId ?? null,
      type: `${eventPrefix(idp.orgId ?? null)}.removed`,
      resourceType: 'idp',
      resourceId: idp._id,
      payload: { name: idp.name },
    });
  });
}

/**
 * Refuses (400 naming `idps`) a login policy listing an IdP its login could not offer: the instance's policy may list
 * the instance's IdPs, an org's also the org's own (ZITADEL's AddIDPToLoginPolicy checks the IdP's owner the same way).
 */
export async function refuseUnavailableIdps(
  instanceId: string,
  orgId: string | null,
  ids: readonly string[] | null | undefined,
): Promise<void> {
  if (!ids?.length) return;
  if (new Set(ids).size !== ids.length) throw invalidField('idps', 'lists an identity provider twice');
  const available = await identityProvidersForOrg(instanceId, orgId, ids);
  const missing = ids.filter((id) => !available.some((idp) => idp._id === id));
  if (missing.length) throw invalidField('idps', `no identity provider available here: ${missing.join(', ')}`);
}
