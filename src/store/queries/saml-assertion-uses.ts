import { SamlAssertionUse } from '../models/saml-assertion-use.ts';
import { insertBatched } from './batched-insert.ts';

/**
 * Records that an IdP's assertion was accepted (store/models/saml-assertion-use.ts); false when it was recorded
 * already: a replay, by another request now or long before.
 */
export async function markSamlAssertionUse(
  instanceId: string,
  idpId: string,
  assertionId: string,
  expiresAt: Date,
): Promise<boolean> {
  return (await insertBatched(SamlAssertionUse, { instanceId, idpId, assertionId, expiresAt })) === 'inserted';
}
