import { Schema, model } from 'mongoose';
import { idField } from './common.ts';

/**
 * One SAML assertion accepted from an upstream IdP (issue 17): a second response carrying the same assertion id is a
 * replay (SAML profiles §4.1.4.5: the SP must not accept a bearer assertion twice). The unique index makes the insert
 * the check, so two processes racing with the same assertion cannot both win. `expiresAt` is when the assertion stops
 * being acceptable anyway (its NotOnOrAfter plus the allowed clock skew); the sweeper deletes the row after that.
 */
const samlAssertionUseSchema = new Schema(
  {
    _id: idField,
    instanceId: { type: String, required: true },
    idpId: { type: String, required: true },
    assertionId: { type: String, required: true, maxlength: 500 },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, strict: 'throw', collection: 'saml_assertion_uses' },
);
samlAssertionUseSchema.index({ instanceId: 1, idpId: 1, assertionId: 1 }, { unique: true });
export const SamlAssertionUse = model('SamlAssertionUse', samlAssertionUseSchema);
