import type { KeyObject } from 'node:crypto';
import { Application, Project } from '../../store/models/index.ts';
import type {
  API_AUTH_METHODS,
  OIDC_APP_TYPES,
  OIDC_AUTH_METHODS,
  OIDC_GRANT_TYPES,
  OIDC_RESPONSE_TYPES,
} from '../../store/models/application.ts';
import { type ApplicationDocument } from '../../store/models/application.ts';
import type { ACCESS_TOKEN_TYPES } from '../../store/models/user.ts';
import type { ProjectDocument } from '../../store/models/project.ts';
import { randomSecret, secretHash } from '../../platform/crypto.ts';
import { newId } from '../../platform/ids.ts';
import { jwkThumbprint, type PublicSigningJwk } from '../rules/jwk.ts';
import type { StoredPublicKey } from '../rules/key-sets.ts';
import { publicClientExchanges } from '../rules/token-exchange.ts';
import { asOneChange, recordChange, changeArray, withAddedKey, type Actor } from './changes.ts';
import { notFound, conflict, invalidField } from '../errors.ts';
import { findScoped } from '../../store/queries/scoped.ts';
import { deleteInBatches } from '../../store/queries/bulk-writes.ts';

export interface OidcSettings {
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: Array<(typeof OIDC_GRANT_TYPES)[number]>;
  responseTypes?: Array<(typeof OIDC_RESPONSE_TYPES)[number]>;
  appType?: (typeof OIDC_APP_TYPES)[number];
  authMethod?: (typeof OIDC_AUTH_METHODS)[number];
  accessTokenType?: (typeof ACCESS_TOKEN_TYPES)[number];
  accessTokenRoleAssertion?: boolean;
  idTokenRoleAssertion?: boolean;
  idTokenUserinfoAssertion?: boolean;
  devMode?: boolean;
  backChannelLogoutUri?: string | null;
  backChannelLogoutSessionRequired?: boolean;
  requirePkce?: boolean;
  flatRolesClaim?: boolean;
  clockSkewSeconds?: number;
}

export interface ApiSettings {
  authMethod: (typeof API_AUTH_METHODS)[number];
}

export type NewApplication =
  { name: string; type: 'oidc'; oidc: OidcSettings } | { name: string; type: 'api'; api: ApiSettings };

/** Only clients that authenticate with a shared secret get one (an OIDC app's method defaults to basic). */
export function usesClientSecret(app: {
  type: 'oidc' | 'api';
  oidc?: { authMethod?: string | null } | null;
  api?: { authMethod?: string | null } | null;
}): boolean {
  const method = app.type === 'oidc' ? (app.oidc?.authMethod ?? 'basic') : app.api?.authMethod;
  return method === 'basic' || method === 'post';
}

/** Stored, the grant on a public client would only ever be refused (domain/rules/token-exchange.ts). */
function checkTokenExchangeClient(oidc: Partial<OidcSettings> | null | undefined): void {
  if (publicClientExchanges(oidc))
    throw invalidField('grantTypes', 'token exchange needs a client that authenticates (authMethod other than none)');
}

/** Keys are what a private_key_jwt client authenticates with; other apps have no use for them. */
export function usesKeys(app: {
  type: 'oidc' | 'api';
  oidc?: { authMethod?: string | null } | null;
  api?: { authMethod?: string | null } | null;
}): boolean {
  return (app.type === 'oidc' ? app.oidc?.authMethod : app.api?.authMethod) === 'private_key_jwt';
}

export function findApplication(
  instanceId: string,
  projectId: string,
  appId: string,
): Promise<ApplicationDocument | null> {
  return findScoped(Application, instanceId, appId, { projectId });
}

export function listApplications(
  instanceId: string,
  projectId: string,
  page: { limit: number; offset: number },
): Promise<ApplicationDocument[]> {
  return Application.find({ instanceId, projectId })
    .sort({ _id: 1 })
    .skip(page.offset)
    .limit(page.limit)
    .lean<ApplicationDocument[]>();
}

/** Creates the app; the client secret, if any, is returned once and stored only as a keyed hash. */
export function createApplication(
  actor: Actor,
  project: ProjectDocument,
  input: NewApplication,
  hashKey: KeyObject,
): Promise<{ app: ApplicationDocument; clientSecret: string | null }> {
  return asOneChange(actor, async () => {
    if (input.type === 'oidc') checkTokenExchangeClient(input.oidc);
    const clientId = newId();
    const draft = { instanceId: actor.instanceId, projectId: project._id, orgId: project.orgId, clientId, ...input };
    const clientSecret = usesClientSecret(input) ? randomSecret() : null;
    const created = await Application.create({
      ...draft,
      ...(clientSecret ? { clientSecretHash: secretHash(hashKey, clientSecret) } : {}),
    });
    // A project deleted meanwhile sweeps its apps before and after; this covers an insert that lands in between.
    if (!(await Project.exists({ instanceId: actor.instanceId, _id: project._id }))) {
      await Application.deleteOne({ _id: created._id });
      throw notFound();
    }
    await recordChange(actor, {
      orgId: project.orgId,
      type: 'application.added',
      resourceType: 'application',
      resourceId: created._id,
      payload: { projectId: project._id, name: input.name, type: input.type, clientId },
    });
    return { app: created.toObject() as ApplicationDocument, clientSecret };
  });
}

export function changeApplication(
  actor: Actor,
  app: ApplicationDocument,
  change: { name?: string; oidc?: Partial<OidcSettings>; api?: Partial<ApiSettings> },
): Promise<ApplicationDocument> {
  return asOneChange(actor, async () => {
    const set: Record<string, unknown> = {};
    if (change.name !== undefined) set.name = change.name;
    if (change.oidc) {
      if (app.type !== 'oidc') throw invalidField('oidc', 'this is not an OIDC application');
      set.oidc = { ...app.oidc, ...change.oidc };
      checkTokenExchangeClient(set.oidc as Partial<OidcSettings>);
    }
    if (change.api) {
      if (app.type !== 'api') throw invalidField('api', 'this is not an API application');
      set.api = { ...app.api, ...change.api };
    }
    const updated = await Application.findOneAndUpdate(
      { instanceId: actor.instanceId, _id: app._id },
      { $set: set },
      { returnDocument: 'after', runValidators: true },
    ).lean<ApplicationDocument>();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: app.orgId,
      type: 'application.changed',
      resourceType: 'application',
      resourceId: app._id,
      payload: { projectId: app.projectId, ...change },
    });
    return updated;
  });
}

export function setApplicationState(
  actor: Actor,
  app: ApplicationDocument,
  state: 'active' | 'inactive',
): Promise<ApplicationDocument> {
  return asOneChange(actor, async () => {
    const updated = await Application.findOneAndUpdate(
      { instanceId: actor.instanceId, _id: app._id },
      { $set: { state } },
      { returnDocument: 'after' },
    ).lean<ApplicationDocument>();
    if (!updated) throw notFound();
    await recordChange(actor, {
      orgId: app.orgId,
      type: state === 'active' ? 'application.reactivated' : 'application.deactivated',
      resourceType: 'application',
      resourceId: app._id,
      payload: { projectId: app.projectId },
    });
    return updated;
  });
}

export function regenerateClientSecret(actor: Actor, app: ApplicationDocument, hashKey: KeyObject): Promise<string> {
  return asOneChange(actor, async () => {
    if (!usesClientSecret(app)) throw conflict('this application does not authenticate with a client secret');
    const clientSecret = randomSecret();
    const updated = await Application.updateOne(
      { instanceId: actor.instanceId, _id: app._id },
      { $set: { clientSecretHash: secretHash(hashKey, clientSecret) } },
    );
    if (updated.matchedCount === 0) throw notFound();
    await recordChange(actor, {
      orgId: app.orgId,
      type: 'application.secret.changed',
      resourceType: 'application',
      resourceId: app._id,
      payload: { projectId: app.projectId },
    });
    return clientSecret;
  });
}

export function removeApplication(actor: Actor, app: ApplicationDocument): Promise<void> {
  return asOneChange(actor, async () => {
    const removed = await Application.findOneAndDelete({ instanceId: actor.instanceId, _id: app._id }).lean();
    if (!removed) throw notFound();
    await recordChange(actor, {
      orgId: app.orgId,
      type: 'application.removed',
      resourceType: 'application',
      resourceId: app._id,
      payload: { projectId: app.projectId },
    });
  });
}

/** Cascade step: every app of a project, with an event each (idempotent). */
export function removeApplicationsOf(
  actor: Actor,
  project: Pick<ProjectDocument, '_id' | 'orgId'>,
  reason: string,
): Promise<void> {
  return asOneChange(actor, () =>
    deleteInBatches(Application, actor.instanceId, { projectId: project._id }, { _id: 1 }, async (apps) => {
      for (const app of apps)
        await recordChange(actor, {
          orgId: project.orgId,
          type: 'application.cascade.removed',
          resourceType: 'application',
          resourceId: app._id,
          payload: { projectId: project._id, reason },
        });
    }),
  );
}

export type ApplicationKey = StoredPublicKey;

/** Registers a public key; the same key twice, a taken key id, or too many keys is a 409. */
export function addApplicationKey(
  actor: Actor,
  app: ApplicationDocument,
  input: { keyId: string; jwk: PublicSigningJwk; expiresAt: Date | null },
): Promise<ApplicationKey> {
  return asOneChange(actor, async () => {
    if (!usesKeys(app)) throw conflict('this application does not authenticate with private_key_jwt');
    const key: ApplicationKey = {
      keyId: input.keyId,
      jwk: { ...input.jwk },
      ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
    };
    const thumbprint = jwkThumbprint(key.jwk);
    const found = await changeArray<ApplicationKey>(
      Application,
      { instanceId: actor.instanceId, _id: app._id },
      'keys',
      (keys) => withAddedKey(keys, key, 'an application'),
    );
    if (!found) throw notFound();
    await recordChange(actor, {
      orgId: app.orgId,
      type: 'application.key.added',
      resourceType: 'application',
      resourceId: app._id,
      payload: { projectId: app.projectId, keyId: key.keyId, thumbprint, expiresAt: key.expiresAt ?? null },
    });
    return key;
  });
}

export function removeApplicationKey(actor: Actor, app: ApplicationDocument, keyId: string): Promise<void> {
  return asOneChange(actor, async () => {
    let present = false;
    const found = await changeArray<ApplicationKey>(
      Application,
      { instanceId: actor.instanceId, _id: app._id },
      'keys',
      (keys) => {
        present = keys.some((key) => key.keyId === keyId);
        return keys.filter((key) => key.keyId !== keyId);
      },
    );
    if (!found || !present) throw notFound();
    await recordChange(actor, {
      orgId: app.orgId,
      type: 'application.key.removed',
      resourceType: 'application',
      resourceId: app._id,
      payload: { projectId: app.projectId, keyId },
    });
  });
}
