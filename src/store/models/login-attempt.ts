import { Schema, model } from 'mongoose';
import { idField } from './common.ts';

export const ATTEMPT_KINDS = ['password', 'otp'] as const;
export type AttemptKind = (typeof ATTEMPT_KINDS)[number];

/**
 * One document per password (or one-time code) attempt that has not yet been cleared by a successful login. Counting
 * inserted documents is exact under concurrency on FerretDB v1, where concurrent `$inc` on one user
 * document loses updates (docs/portable-mongodb.md, "Writes").
 */
const loginAttemptSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    userId: { type: String, required: true },
    kind: { type: String, enum: ATTEMPT_KINDS, default: 'password', required: true },
    createdAt: { type: Date, default: () => new Date(), required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'login_attempts' },
);
loginAttemptSchema.index({ instanceId: 1, userId: 1 });

export const LoginAttempt = model('LoginAttempt', loginAttemptSchema);
