import { Schema, model } from 'mongoose';

/**
 * The challenge a WebAuthn ceremony expects (https://www.w3.org/TR/webauthn-3/#sctn-cryptographic-challenges),
 * kept on the server for the login or self-service session it was issued to (`_id`: `login:{interaction uid}` or
 * `account:{user id}`), one at a time; a new ceremony replaces it, a verification consumes it (a delete that only one
 * request wins). The sweeper deletes expired ones.
 */
const webauthnChallengeSchema = new Schema(
  {
    _id: { type: String, required: true },
    instanceId: { type: String, required: true },
    challenge: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'webauthn_challenges' },
);
export const WebauthnChallenge = model('WebauthnChallenge', webauthnChallengeSchema);
