import { z } from 'zod';

/**
 * The throttles (http/middleware/rate-limit.ts): failures counted per login name, client or IP address, requests that
 * send email (password reset requests, registrations and org sign-ups) per IP address and per login name or address,
 * and management API requests per caller. `max` in `windowSeconds` (0: no limit); an instance's own `rateLimits`
 * (store/models/instance.ts) override these defaults one by one.
 */
export const RATE_LIMIT_NAMES = [
  'passwordFailuresPerLoginName',
  'passwordFailuresPerIp',
  'clientAuthFailuresPerClient',
  'clientAuthFailuresPerIp',
  'deviceCodeFailuresPerIp',
  'otpFailuresPerUser',
  'otpFailuresPerIp',
  'apiRequestsPerCaller',
  'codeFailuresPerUser',
  'passwordResetRequestsPerIp',
  'passwordResetRequestsPerLoginName',
  'registrationsPerIp',
  'registrationsPerEmail',
] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];
export const RATE_LIMIT_BOUNDS = { max: 1_000_000, windowSeconds: 86_400 } as const;
export const rateLimitRule = z.object({
  max: z.number().int().min(0).max(RATE_LIMIT_BOUNDS.max),
  windowSeconds: z.number().int().min(1).max(RATE_LIMIT_BOUNDS.windowSeconds),
});
export type RateLimitRule = z.infer<typeof rateLimitRule>;
export type RateLimits = Record<RateLimitName, RateLimitRule>;
