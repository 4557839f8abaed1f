import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, metadataSchema, schemaOptions } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';
import { keepSearchKeys, searchKeysSchema } from './user-search-keys.ts';

export const USER_STATES = ['active', 'inactive', 'locked'] as const;
export const ACCESS_TOKEN_TYPES = ['bearer', 'jwt'] as const;

/** A postal address, OpenID Connect Core 1.0 §5.1.1's fields; `formatted` is the full address as displayed. */
const addressSchema = new Schema(
  {
    formatted: { type: String, trim: true, maxlength: 500 },
    streetAddress: { type: String, trim: true, maxlength: 500 },
    locality: { type: String, trim: true, maxlength: 200 },
    region: { type: String, trim: true, maxlength: 200 },
    postalCode: { type: String, trim: true, maxlength: 40 },
    country: { type: String, trim: true, maxlength: 200 },
  },
  { _id: false },
);

const humanSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true, maxlength: 320, match: /^[^\s@]+@[^\s@]+$/ },
    emailVerified: { type: Boolean, default: false },
    /** A new address awaiting verification (domain/commands/user-email.ts); `email` stays in use until then. */
    pendingEmail: { type: String, lowercase: true, trim: true, maxlength: 320, match: /^[^\s@]+@[^\s@]+$/ },
    givenName: { type: String, required: true, trim: true, maxlength: 200 },
    familyName: { type: String, required: true, trim: true, maxlength: 200 },
    displayName: { type: String, trim: true, maxlength: 200 },
    nickname: { type: String, trim: true, maxlength: 200 },
    locale: { type: String, maxlength: 35 },
    gender: { type: String, enum: ['female', 'male', 'diverse'] },
    phone: { type: String, maxlength: 40 },
    phoneVerified: { type: Boolean, default: false },
    address: { type: addressSchema, default: null },
    /** argon2id PHC string; absent for users who have not set a password yet. */
    passwordHash: { type: String },
    /** When the password was last set (the password age policy runs from it; before it was recorded: `createdAt`). */
    passwordChangedAt: { type: Date },
    /** When the user first postponed setting up a forced second factor (`mfaInitSkipLifetime` runs from it). */
    mfaInitSkippedAt: { type: Date },
  },
  { _id: false },
);

const publicKeySchema = new Schema(
  {
    keyId: { type: String, required: true },
    /** The public JWK only: a private key Castellan generates is handed out once and never stored. */
    jwk: { type: Schema.Types.Mixed, required: true },
    expiresAt: { type: Date },
    createdAt: { type: Date },
  },
  { _id: false },
);

const machineSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, maxlength: 200 },
    description: { type: String, maxlength: 1000 },
    accessTokenType: { type: String, enum: ACCESS_TOKEN_TYPES, default: 'bearer' },
    /** Keyed hash (HMAC-SHA256) of the client secret: secrets are random, so no slow hash is needed. */
    secretHash: { type: String },
    keys: { type: [publicKeySchema], default: [] },
  },
  { _id: false },
);

const userSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    orgId: { type: String, required: true },
    type: { type: String, enum: ['human', 'machine'], required: true },
    /**
     * Unique in the instance (ZITADEL's default domain policy), so a machine user's username can be its
     * client_credentials client id, and `username@domain` identifies the user unambiguously.
     */
    username: {
      type: String,
      required: true,
      lowercase: true,
      trim: true,
      minlength: 1,
      maxlength: 200,
      match: /^[a-z0-9._@+-]+$/,
    },
    state: { type: String, enum: USER_STATES, default: 'active', required: true },
    human: { type: humanSchema, default: null },
    machine: { type: machineSchema, default: null },
    metadata: { type: [metadataSchema], default: [] },
    search: { type: searchKeysSchema, default: null },
    /** The id a provisioning directory knows the user by (SCIM `externalId`, RFC 7643 §3.1); unique per org. */
    externalId: { type: String, minlength: 1, maxlength: 200 },
    /**
     * `orgId/externalId`, set with externalId: a single-field sparse unique index is what both FerretDB v1 (no
     * partialFilterExpression) and MongoDB (a compound sparse index still indexes users without one, as null) honour.
     */
    externalIdKey: { type: String },
  },
  { ...schemaOptions, collection: 'users' },
);
userSchema.index({ instanceId: 1, username: 1 }, { unique: true });
userSchema.index({ instanceId: 1, orgId: 1 });
userSchema.index({ instanceId: 1, 'human.email': 1 });
userSchema.index({ externalIdKey: 1 }, { unique: true, sparse: true });
// A user search within an org (domain/rules/user-search.ts): equality or a prefix of a lower-cased name.
userSchema.index({ instanceId: 1, orgId: 1, 'search.displayName': 1 });
userSchema.index({ instanceId: 1, orgId: 1, 'search.givenName': 1 });
userSchema.index({ instanceId: 1, orgId: 1, 'search.familyName': 1 });
userSchema.pre('validate', function requireMatchingProfile() {
  if (this.type === 'human' && !this.human) this.invalidate('human', 'a human user needs a human profile');
  if (this.type === 'machine' && !this.machine) this.invalidate('machine', 'a machine user needs a machine profile');
  if (this.human && this.machine) this.invalidate('type', 'a user is either human or machine');
});

export type UserDocument = InferSchemaType<typeof userSchema> & { _id: string };
userSchema.plugin(keepSearchKeys);
userSchema.plugin(invalidateCachesOnWrite);
export const User = model('User', userSchema);

const personalAccessTokenSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    userId: { type: String, required: true },
    tokenHash: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { ...schemaOptions, collection: 'personal_access_tokens' },
);
personalAccessTokenSchema.index({ tokenHash: 1 }, { unique: true });
personalAccessTokenSchema.index({ instanceId: 1, userId: 1 });

personalAccessTokenSchema.plugin(invalidateCachesOnWrite);
export const PersonalAccessToken = model('PersonalAccessToken', personalAccessTokenSchema);
