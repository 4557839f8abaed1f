import { Schema, model, type Model } from 'mongoose';

/**
 * Storage for node-oidc-provider's models (sessions, codes, tokens, grants, interactions, …), one
 * collection per model. The payload is kept as a JSON string: it can carry client-chosen keys
 * (claims requests, resource URLs) with dots, which FerretDB v1 refuses as field names (docs/portable-mongodb.md).
 * The fields the adapter looks up by are lifted next to it.
 */
export interface OidcPayloadDocument {
  _id: string;
  payload: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  /** A session's account (instance-prefixed like the other look-up fields): a user's sessions are ended by it. */
  accountId?: string;
  /** In a collection shared by several models: the model the document belongs to. */
  kind?: string;
  consumed?: boolean;
  expiresAt?: Date;
}

const oidcPayloadSchema = new Schema<OidcPayloadDocument>(
  {
    _id: { type: String, required: true },
    payload: { type: String, required: true },
    grantId: String,
    uid: String,
    userCode: String,
    accountId: String,
    kind: String,
    consumed: Boolean,
    expiresAt: Date,
  },
  { versionKey: false, strict: 'throw' },
);

export const OIDC_MODEL_NAMES = [
  'Grant',
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'DeviceCode',
  'Interaction',
  'ReplayDetection',
  'BackchannelAuthenticationRequest',
  'PushedAuthorizationRequest',
  'PreAuthorizedCode',
] as const;

/**
 * Introspection looks a token value up as an access token, a client-credentials token and a refresh token
 * at once: kept in one collection, the three look-ups are one read (oidc/adapter.ts).
 */
const SHARED_COLLECTIONS: Partial<Record<string, string>> = {
  AccessToken: 'oidc_tokens',
  ClientCredentials: 'oidc_tokens',
  RefreshToken: 'oidc_tokens',
};

export function isSharedCollection(name: string): boolean {
  return SHARED_COLLECTIONS[name] !== undefined;
}

/**
 * The look-ups besides `_id`, by the models they are made on: `revokeByGrantId`, `Session.findByUid`,
 * `DeviceCode.findByUserCode`, and Castellan's own: a user's sessions (store/queries/oidc-sessions.ts).
 * A collection indexes only the fields its models are looked up by: every index is one more write per insert
 * (on FerretDB, three unused indexes cost a batched token insert 20-40% more CPU).
 */
const LOOKUPS: Record<'grantId' | 'uid' | 'userCode' | 'accountId', readonly string[]> = {
  grantId: [
    'AccessToken',
    'RefreshToken',
    'AuthorizationCode',
    'DeviceCode',
    'BackchannelAuthenticationRequest',
    'PreAuthorizedCode',
  ],
  uid: ['Session'],
  userCode: ['DeviceCode'],
  accountId: ['Session'],
};

const models = new Map<string, Model<OidcPayloadDocument>>();

function collectionOf(name: string): string {
  return (
    SHARED_COLLECTIONS[name] ?? `oidc_${name.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase())}s`
  );
}

export function oidcPayloadModel(name: string): Model<OidcPayloadDocument> {
  const collection = collectionOf(name);
  let found = models.get(collection);
  if (!found) {
    const schema = oidcPayloadSchema.clone();
    const sharing = OIDC_MODEL_NAMES.filter((other) => collectionOf(other) === collection);
    for (const [field, lookedUpBy] of Object.entries(LOOKUPS))
      if (sharing.some((other) => lookedUpBy.includes(other))) schema.index({ [field]: 1 });
    found = model<OidcPayloadDocument>(`Oidc:${collection}`, schema, collection);
    models.set(collection, found);
  }
  return found;
}

/** Every collection of the provider's models, once each. */
export function oidcPayloadModels(): Array<Model<OidcPayloadDocument>> {
  return [...new Set(OIDC_MODEL_NAMES.map(oidcPayloadModel))];
}

/**
 * One document per race-deciding use: an expired record's takeover (oidc/adapter.ts `insertUnlessLive`), a used
 * verification code (store/queries/verification-codes.ts); a code's consumption is marked next to the code instead
 * (oidc/adapter.ts `consume`). Inserting it is how a race is decided: FerretDB v1 does not make concurrent conditional
 * updates of one document atomic, but a duplicate `_id` is refused on every MongoDB-compatible server
 * (docs/portable-mongodb.md, "Writes").
 */
const oidcConsumptionSchema = new Schema<{ _id: string; expiresAt: Date }>(
  { _id: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { versionKey: false, strict: 'throw', collection: 'oidc_consumptions' },
);

export const OidcConsumption = model('OidcConsumption', oidcConsumptionSchema);
