import { Schema } from 'mongoose';
import { newId } from '../../platform/ids.ts';

export const idField = { type: String, default: newId } as const;

export const STATES = ['active', 'inactive'] as const;

export const stateField = { type: String, enum: STATES, default: 'active', required: true } as const;

/** Metadata values are bytes (ZITADEL emits them base64url in the metadata claim). */
export const metadataSchema = new Schema(
  { key: { type: String, required: true, maxlength: 200 }, value: { type: Buffer, required: true } },
  { _id: false },
);

export const tokenLifetimesSchema = new Schema(
  {
    accessTokenSeconds: { type: Number, min: 60 },
    idTokenSeconds: { type: Number, min: 60 },
    refreshTokenIdleSeconds: { type: Number, min: 60 },
    refreshTokenAbsoluteSeconds: { type: Number, min: 60 },
  },
  { _id: false },
);

export interface TokenLifetimes {
  accessTokenSeconds: number;
  idTokenSeconds: number;
  refreshTokenIdleSeconds: number;
  refreshTokenAbsoluteSeconds: number;
}

export const schemaOptions = { timestamps: true, versionKey: false, strict: 'throw' } as const;
