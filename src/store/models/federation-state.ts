import { Schema, model } from 'mongoose';

/**
 * One login's round trip to an external IdP, kept on the server (issue 17): `_id` is a hash of the `state` (OAuth) or
 * `RelayState` (SAML) the upstream echoes, so the value in the URL is never stored. It is bound to the interaction that
 * started it and used once: the callback moves it from `started` to `finished` (one request wins), and the login's
 * page that continues consumes it by `handleHash` (a second random value, so the callback's URL alone cannot finish a
 * login). `keep` is what the protocol's begin asked to keep (PKCE verifier, nonce, SAML request id); the sweeper
 * deletes expired ones.
 */
const federationStateSchema = new Schema(
  {
    _id: { type: String, required: true },
    instanceId: { type: String, required: true },
    interactionUid: { type: String, required: true },
    idpId: { type: String, required: true },
    keep: { type: Schema.Types.Mixed, default: () => ({}) },
    phase: { type: String, enum: ['started', 'finishing', 'finished'], required: true },
    handleHash: { type: String, default: null },
    /**
     * The identity the upstream asserted (JSON), between the callback and the login page that continues: a string, as
     * upstream claim names may hold characters a document's field names may not.
     */
    identity: { type: String, default: null },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'federation_states', minimize: false },
);
federationStateSchema.index({ handleHash: 1 });
export const FederationState = model('FederationState', federationStateSchema);
