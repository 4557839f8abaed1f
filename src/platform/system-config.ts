import { z } from 'zod';

/** The System API's part of the configuration (platform/config.ts reads it with the rest). */

/** ZITADEL's system roles: SYSTEM_OWNER may do everything, SYSTEM_OWNER_VIEWER only read. */
export const SYSTEM_ROLES = ['SYSTEM_OWNER', 'SYSTEM_OWNER_VIEWER'] as const;
const systemUser = z.object({
  /** The JWT's `iss` and `sub` (ZITADEL: a system user id, lower case). */
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ -'),
  publicKeyPem: z.string().includes('-----BEGIN PUBLIC KEY-----', { message: 'must be a PEM public key' }),
  roles: z.array(z.enum(SYSTEM_ROLES)).min(1).default(['SYSTEM_OWNER']),
});
export type SystemUser = z.infer<typeof systemUser>;

/**
 * The operators of the whole deployment (ZITADEL's SystemAPIUsers) and the deployment's addressing: `audience` (null:
 * the public URL) is the `aud` their JWTs name; `baseDomain` (null: none) is where instances get a generated domain;
 * `trustedProxies` are the peer addresses whose X-Forwarded-Host selects the instance; providers of instances are
 * built on first use, at most `maxActiveProviders` kept, each dropped after `providerIdleSeconds` unused. An instance's
 * removal deletes `batchSize` documents per step and works `dutyCycle` of the wall time (a pause of at most
 * `maxPauseMs` after each step, platform/pacer.ts), so other instances keep their latency. The deployment's audit log
 * keeps `eventRetentionDays` of events.
 */
export const systemSchema = z.object({
  audience: z.string().min(1).nullable().default(null),
  users: z.array(systemUser).default([]),
  maxTokenLifetimeSeconds: z.number().int().min(10).max(3600),
  baseDomain: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'must be a lower-case DNS name')
    .nullable()
    .default(null),
  trustedProxies: z.array(z.string().min(1)),
  maxActiveProviders: z.number().int().min(1).max(100_000),
  providerIdleSeconds: z.number().int().min(1).max(86_400),
  removal: z.object({
    // A step deletes its batch with one `$in`, which Castellan's FerretDB serves from the index up to 1,000 ids.
    batchSize: z.number().int().min(1).max(1_000),
    dutyCycle: z.number().gt(0).max(1),
    // Below the removal's lease (domain/commands/instance-removal.ts), renewed after every step.
    maxPauseMs: z.number().int().min(0).max(10_000),
  }),
  eventRetentionDays: z.number().int().min(1).max(36_500),
});
