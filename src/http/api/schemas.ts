import { z } from 'zod';
import { ROLE_KEY_PATTERN } from '../../store/models/project.ts';

// Request schemas are strict objects of typed scalars: an operator object such as {"$gt": ""} in any
// place is a 400, and nothing but strings, numbers and booleans ever reaches a database filter.

export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an id');
export const name = z.string().trim().min(1).max(200);
export const roleKey = z.string().regex(ROLE_KEY_PATTERN, 'must be 1-200 letters, digits or _:.-');
export const roleKeys = z.array(roleKey).max(200);
export const username = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9._@+-]+$/, 'may contain letters, digits and ._@+-');
export const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a domain name');
export const metadataKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'may contain letters, digits and _.:-');
// ZITADEL refuses an empty metadata value (remove the key instead).
export const metadataValue = z.string().min(1).max(10_000);
export const state = z.enum(['active', 'inactive']);

/** Token lifetimes to change, in seconds (a lifetime left out keeps its value): at least a minute, at most a year. */
const lifetimeSeconds = z.number().int().min(60).max(31_536_000);
export const tokenLifetimesChange = z.strictObject({
  accessTokenSeconds: lifetimeSeconds.optional(),
  idTokenSeconds: lifetimeSeconds.optional(),
  refreshTokenIdleSeconds: lifetimeSeconds.optional(),
  refreshTokenAbsoluteSeconds: lifetimeSeconds.optional(),
});
export const tokenLifetimesView = z.object({
  accessTokenSeconds: z.number(),
  idTokenSeconds: z.number(),
  refreshTokenIdleSeconds: z.number(),
  refreshTokenAbsoluteSeconds: z.number(),
});

export const page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** A BCP 47 language tag (the user's locale: emails in it, English when no template has it). */
export const locale = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or de-CH');
