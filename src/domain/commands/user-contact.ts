import type { UserDocument } from '../../store/models/user.ts';
import { invalidField } from '../errors.ts';
import type { UserAddress } from '../rules/user-claims.ts';

/**
 * A human's phone and postal address (the `phone` and `address` scopes' claims); null removes a value. A new or
 * changed phone number is unverified unless the request says it is verified (as ZITADEL's `is_verified` on a phone
 * set by a manager); only a number can be verified.
 */
export interface HumanContact {
  phone?: string | null;
  phoneVerified?: boolean;
  address?: UserAddress | null;
}

/** The contact fields of a new human's profile. */
export function newHumanContact(contact: HumanContact): Required<HumanContact> {
  return {
    phone: contact.phone ?? null,
    phoneVerified: Boolean(contact.phone && contact.phoneVerified),
    address: contact.address ?? null,
  };
}

/** The `human.phoneVerified` a change of the phone number or of its verification leaves. */
export function phoneVerification(user: UserDocument, change: HumanContact): Record<string, boolean> {
  if (change.phone === undefined && change.phoneVerified === undefined) return {};
  if (!user.human) throw invalidField('phoneVerified', 'only human users have it');
  const phone = change.phone !== undefined ? change.phone : user.human.phone;
  if (change.phoneVerified && !phone) throw invalidField('phoneVerified', 'the user has no phone number');
  return { 'human.phoneVerified': Boolean(phone && change.phoneVerified) };
}
