import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * A finished login of one account in one browser (ZITADEL's user session: one per user per user agent), so a browser
 * keeps several signed-in accounts and switches between them without a password while their checks are within the
 * login policy's lifetimes (domain/browser-logins.ts). `browserKey` is a hash of the random id the browser's cookie
 * holds (the cookie stands for these records, so it is stored like a secret); `_id` is `{instanceId}:{browserKey}:
 * {userId}`, one record per account and browser. Every check of one login happens at `authTime` (seconds since the
 * epoch), as the provider's session records it; `amr` and `acr` are the login's. The sweeper deletes expired ones;
 * reads skip them.
 */
const browserLoginSchema = new Schema(
  {
    _id: { type: String, required: true },
    instanceId: { type: String, required: true },
    browserKey: { type: String, required: true },
    userId: { type: String, required: true },
    authTime: { type: Number, required: true },
    amr: { type: [String], default: [] },
    acr: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'browser_logins' },
);
browserLoginSchema.index({ instanceId: 1, browserKey: 1 });
browserLoginSchema.index({ instanceId: 1, userId: 1 });

export type BrowserLoginDocument = InferSchemaType<typeof browserLoginSchema> & { _id: string };
export const BrowserLogin = model('BrowserLogin', browserLoginSchema);
