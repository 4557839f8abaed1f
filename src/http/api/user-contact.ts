import { z } from 'zod';
import type { UserAddress } from '../../domain/rules/user-claims.ts';

/**
 * A human's phone number, E.164 as OpenID Connect Core 1.0 §5.1 recommends for `phone_number` (ZITADEL stores it
 * normalised so too): `+`, country code and number; spaces, dots, hyphens and parentheses are dropped.
 */
const phone = z
  .string()
  .max(40)
  .transform((value) => value.replace(/[\s().-]/g, ''))
  .pipe(z.string().regex(/^\+[1-9][0-9]{1,14}$/, 'must be a phone number in E.164 form, e.g. +41 44 123 45 67'));

const line = (max: number) => z.string().trim().min(1).max(max);

/** A postal address with OpenID Connect Core 1.0 §5.1.1's fields (the `address` claim), each optional. */
const address = z.strictObject({
  formatted: line(500).optional(),
  streetAddress: line(500).optional(),
  locality: line(200).optional(),
  region: line(200).optional(),
  postalCode: line(40).optional(),
  country: line(200).optional(),
});

/**
 * The contact fields of a human's profile in a create or change request; null removes a value. A new phone number is
 * unverified unless `phoneVerified` says otherwise (as a new email is).
 */
export const contactFields = {
  phone: phone.nullable().optional(),
  phoneVerified: z.boolean().optional(),
  address: address.nullable().optional(),
};

const addressView = z.object({
  formatted: z.string().optional(),
  streetAddress: z.string().optional(),
  locality: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().optional(),
});

export const contactView = {
  phone: z.string().nullable(),
  phoneVerified: z.boolean(),
  address: addressView.nullable(),
};

export function toContactView(human: {
  phone?: string | null;
  phoneVerified?: boolean | null;
  address?: UserAddress | null;
}): z.input<z.ZodObject<typeof contactView>> {
  const stored = Object.entries(human.address ?? {}).filter(([, value]) => typeof value === 'string' && value);
  return {
    phone: human.phone ?? null,
    phoneVerified: Boolean(human.phone && human.phoneVerified),
    address: stored.length ? Object.fromEntries(stored) : null,
  };
}
