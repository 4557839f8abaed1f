import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField, schemaOptions } from './common.ts';
import { invalidateCachesOnWrite } from '../cache/invalidate-on-write.ts';

/**
 * What a user can prove besides a password: a TOTP app, recovery codes, a WebAuthn credential (a security key or a
 * passkey), one-time codes sent to their verified email address (`otp_email`: no data of its own, the codes are
 * verification codes, store/models/verification-code.ts).
 */
export const FACTOR_TYPES = ['totp', 'recovery_codes', 'webauthn', 'otp_email'] as const;
export type FactorType = (typeof FACTOR_TYPES)[number];

const totpSchema = new Schema(
  {
    /** The base32 secret, encrypted with the master key (platform/crypto.ts, purpose `totp`). */
    sealedSecret: { type: String, required: true },
    /** The last RFC 6238 time step a code was accepted for: only a later step's code is accepted. */
    lastUsedStep: { type: Number, default: 0, required: true },
  },
  { _id: false },
);

const recoveryCodesSchema = new Schema(
  {
    /** Keyed hashes (platform/crypto.ts `secretHash`) of the codes not used yet; a used code is pulled. */
    codeHashes: { type: [String], default: [] },
    issued: { type: Number, required: true },
  },
  { _id: false },
);

/** A WebAuthn public key credential (https://www.w3.org/TR/webauthn-3/#credential-record), attestation 'none'. */
const webauthnSchema = new Schema(
  {
    /** The credential id, base64url: what the authenticator names in an assertion. */
    credentialId: { type: String, required: true },
    /** The COSE public key, base64url. */
    publicKey: { type: String, required: true },
    /** The signature counter last seen; 0 when the authenticator keeps none (passkeys synced between devices). */
    signCount: { type: Number, default: 0, required: true },
    transports: { type: [String], default: [] },
    /** Whether the authenticator keeps the credential (a passkey), so it can log in without a login name. */
    discoverable: { type: Boolean, default: false },
  },
  { _id: false },
);

/**
 * One factor of one user, a document of its own rather than an array in the user: FerretDB v1 has no positional
 * update (docs/portable-mongodb.md), and each accepted code changes its factor (the last used step, the codes left).
 * A code's single use is a unique marker (FactorUse below). `pending`: being set up, until a first code confirms it.
 */
const userFactorSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    userId: { type: String, required: true },
    orgId: { type: String, required: true },
    type: { type: String, enum: FACTOR_TYPES, required: true },
    name: { type: String, required: true, maxlength: 200 },
    state: { type: String, enum: ['pending', 'active'], required: true },
    totp: { type: totpSchema, default: undefined },
    recoveryCodes: { type: recoveryCodesSchema, default: undefined },
    webauthn: { type: webauthnSchema, default: undefined },
  },
  { ...schemaOptions, collection: 'user_factors' },
);
userFactorSchema.index({ instanceId: 1, userId: 1 });
userFactorSchema.index({ instanceId: 1, 'webauthn.credentialId': 1 }, { sparse: true });

// The login reads a user's factors through the cache (store/queries/user-factors.ts findLoginFactors): every write
// drops it. Accepted codes write markers (FactorUse), not their factor; a WebAuthn counter moves on without the
// model (store/queries/webauthn.ts advanceSignCount), since the cached factors' counters are never read.
userFactorSchema.plugin(invalidateCachesOnWrite);
export type UserFactorDocument = InferSchemaType<typeof userFactorSchema> & { _id: string; createdAt: Date };
export const UserFactor = model('UserFactor', userFactorSchema);

/**
 * A use of a single-use secret: a TOTP code (`{factorId}:{step}`) or a recovery code (`{factorId}:{code hash}`).
 * Its `_id` is unique, so of parallel submissions of one code exactly one inserts it and is accepted; a conditional
 * update alone would not do on FerretDB v1, which does not apply read-modify-write updates atomically
 * (docs/portable-mongodb.md). A TOTP step's marker is kept while its code, or an earlier step's, could be accepted
 * (domain/second-factor.ts); a recovery code's stays with its factor.
 */
const factorUseSchema = new Schema(
  {
    _id: { type: String, required: true },
    instanceId: { type: String, required: true },
    factorId: { type: String, required: true },
    createdAt: { type: Date, default: () => new Date(), required: true },
    /** A TOTP step's marker outlives the steps its code is accepted in, then the sweeper deletes it. */
    expiresAt: { type: Date },
  },
  { versionKey: false, strict: 'throw', collection: 'factor_uses' },
);
factorUseSchema.index({ instanceId: 1, factorId: 1 });
export const FactorUse = model('FactorUse', factorUseSchema);
