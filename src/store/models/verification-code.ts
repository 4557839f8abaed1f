import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField } from './common.ts';

export const CODE_PURPOSES = ['emailVerification', 'passwordReset', 'invitation', 'emailOtp'] as const;
export type CodePurpose = (typeof CODE_PURPOSES)[number];

/**
 * A one-time code sent by email (domain/codes.ts): only its keyed hash is stored, bound to the user, the purpose and
 * the address it was sent to. Only the newest code of a user and purpose counts (ids are time-ordered), so a newer one
 * supersedes it even when two were issued at once; a used code is deleted; the sweeper removes expired ones.
 */
const verificationCodeSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    userId: { type: String, required: true },
    purpose: { type: String, enum: CODE_PURPOSES, required: true },
    codeHash: { type: String, required: true },
    email: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'verification_codes' },
);
verificationCodeSchema.index({ instanceId: 1, userId: 1, purpose: 1 });

export type VerificationCodeDocument = InferSchemaType<typeof verificationCodeSchema> & { _id: string };
export const VerificationCode = model('VerificationCode', verificationCodeSchema);
