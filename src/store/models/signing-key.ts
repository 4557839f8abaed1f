import { Schema, model } from 'mongoose';

export const SIGNING_ALGORITHMS = ['RS256', 'ES256'] as const;
/** next: published, not yet signing; active: signing; retired: published until tokens it signed expire. */
export const SIGNING_KEY_STATES = ['next', 'active', 'retired'] as const;

const signingKeySchema = new Schema(
  {
    _id: { type: String, required: true }, // the kid
    instanceId: { type: String, required: true },
    alg: { type: String, enum: SIGNING_ALGORITHMS, required: true },
    state: { type: String, enum: SIGNING_KEY_STATES, required: true },
    publicJwk: { type: Schema.Types.Mixed, required: true },
    /** The private JWK, AES-256-GCM encrypted with the master key (platform/crypto.ts). */
    privateJwkEncrypted: { type: String, required: true },
    retiredAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, strict: 'throw', collection: 'signing_keys' },
);
signingKeySchema.index({ instanceId: 1, state: 1 });

export const SigningKey = model('SigningKey', signingKeySchema);
