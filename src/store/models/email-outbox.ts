import { Schema, model, type InferSchemaType } from 'mongoose';
import { idField } from './common.ts';

export const OUTBOX_STATES = ['pending', 'sent', 'failed'] as const;

/**
 * One email to deliver (domain/email-delivery.ts), rendered when it was enqueued: any process delivers it, retrying
 * with backoff. Only the holder of the message's lease (a `write_locks` document, inserted: an atomic claim on
 * FerretDB v1 as on MongoDB, docs/portable-mongodb.md) sends it or changes it, so a message is sent once however many
 * processes poll. The sender's address and the SMTP server are the instance's at delivery time.
 */
const emailOutboxSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    orgId: { type: String, default: null },
    /** The user it is about, if any (the audit trail's resource). */
    userId: { type: String, default: null },
    template: { type: String, required: true },
    to: { type: String, required: true, maxlength: 320 },
    subject: { type: String, required: true },
    /**
     * The text and HTML bodies, encrypted (they carry one-time codes and links, which are otherwise only stored
     * hashed); dropped once the message is sent or given up.
     */
    body: { type: String, default: null },
    state: { type: String, enum: OUTBOX_STATES, default: 'pending', required: true },
    attempts: { type: Number, default: 0, required: true },
    nextAttemptAt: { type: Date, required: true },
    lastError: { type: String, default: null },
    /** 'smtp', or 'log' in development mode without SMTP settings. */
    deliveredBy: { type: String, default: null },
    sentAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false, strict: 'throw', collection: 'email_outbox' },
);
emailOutboxSchema.index({ state: 1, nextAttemptAt: 1 });
emailOutboxSchema.index({ instanceId: 1, userId: 1 });

export type EmailOutboxDocument = InferSchemaType<typeof emailOutboxSchema> & { _id: string };
export const EmailOutbox = model('EmailOutbox', emailOutboxSchema);
