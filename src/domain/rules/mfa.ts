import type { LoginPolicy } from './login-policy.ts';
import { secondFactorAllowed } from './webauthn.ts';

/**
 * Authentication method references (RFC 8176 §2), as ZITADEL's `internal/api/oidc/amr.go` emits them: `pwd` for a
 * password, `otp` for a one-time code (TOTP, and a recovery code, which is one), `mfa` once two or more kinds of
 * factor were used; `hwk` for a WebAuthn credential (a proof-of-possession of a hardware-secured key) and `user`
 * when its authenticator verified the user (a passkey login). Email codes come with their factor.
 */
/** RFC 8176 methods the login records; `fed`: a login at an external identity provider (issue 17). */
export type AuthMethod = 'pwd' | 'otp' | 'hwk' | 'user' | 'fed';

export function amrOf(methods: readonly AuthMethod[]): string[] {
  const distinct = [...new Set(methods)];
  return distinct.length >= 2 ? [...distinct, 'mfa'] : distinct;
}

/**
 * `acr_values` that ask for multi-factor authentication: the OpenID PAPE multi-factor policy URI, which Auth0, Duo
 * and PingFederate relying parties send (https://openid.net/specs/openid-provider-authentication-policy-extension-1_0
 * .html §4), and its NIST-style alias used by Okta-configured relying parties. ZITADEL itself ignores `acr_values`.
 */
export const MFA_ACR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';
const MFA_ACR_ALIASES = new Set([MFA_ACR, 'urn:okta:loa:2fa:any']);
/** The `acr` of a login with one factor (a password). */
export const SINGLE_FACTOR_ACR = 'urn:castellan:loa:1fa';
/** What discovery advertises as `acr_values_supported`. */
export const ACR_VALUES = [SINGLE_FACTOR_ACR, MFA_ACR] as const;

export function acrValuesAskForMfa(acrValues: unknown): boolean {
  if (typeof acrValues !== 'string') return false;
  return acrValues.split(' ').some((value) => MFA_ACR_ALIASES.has(value));
}

export function acrOf(amr: readonly string[]): string {
  return amr.includes('mfa') ? MFA_ACR : SINGLE_FACTOR_ACR;
}

/** A factor as the rules see it. */
export interface FactorSummary {
  type: string;
  state: string;
}

/** The types of the user's confirmed factors the policy allows as a second factor (`secondFactors`). */
export function usableSecondFactors(policy: LoginPolicy, factors: readonly FactorSummary[]): string[] {
  const usable = factors.filter((factor) => factor.state === 'active' && secondFactorAllowed(policy, factor.type));
  return [...new Set(usable.map((factor) => factor.type))];
}

/**
 * What the login can set up where MFA is required and the user has no factor, as the policy's `secondFactors` allow:
 * an authenticator app (`totp`), a security key (`u2f`), and codes by email (`otp_email`) for a user whose address
 * is verified (as ZITADEL requires before adding OTP email), confirmed by a first code sent there. Recovery codes
 * come with an authenticator app.
 */
export function enrollableSecondFactors(
  policy: Pick<LoginPolicy, 'secondFactors'>,
  emailVerified: boolean,
): Array<'totp' | 'u2f' | 'otp_email'> {
  const types = emailVerified ? (['totp', 'u2f', 'otp_email'] as const) : (['totp', 'u2f'] as const);
  return types.filter((type) => policy.secondFactors.includes(type));
}

/**
 * What a login asks after the password:
 * - `check`: the user has a usable second factor, and is always asked for it (as in ZITADEL: a set-up factor is used);
 * - `enroll` / `enroll-skippable`: MFA is required (the policy's `forceMfa`, or the request's `acr_values`) and the
 *   user has none: the login sets up one (enrollableSecondFactors); the user may
 *   postpone it while `mfaInitSkipLifetime` has not run out since they first postponed it (0: never). A request that
 *   asks for MFA cannot be answered without it, so no skip then.
 * - `impossible`: MFA is required and the policy allows no second factor the user could set up (ZITADEL's
 *   `Errors.Login.LoginPolicy.MFA.ForceAndNotConfigured`);
 * - `none`.
 * `forceMfaLocalOnly` exempts logins at external identity providers; Castellan has none yet, so every login is local
 * and `forceMfa` applies to all.
 */
export type SecondFactorStep = 'check' | 'enroll' | 'enroll-skippable' | 'impossible' | 'none';

export interface SecondFactorSituation {
  policy: LoginPolicy;
  factors: readonly FactorSummary[];
  requestAsksForMfa: boolean;
  /** When the user first postponed setting up a second factor, or null. */
  mfaInitSkippedAt: Date | null;
  /** Whether the user's email address is verified (codes by email can be set up). */
  emailVerified: boolean;
  now: Date;
}

export function secondFactorStep(situation: SecondFactorSituation): SecondFactorStep {
  const { policy, requestAsksForMfa } = situation;
  if (usableSecondFactors(policy, situation.factors).length) return 'check';
  if (!policy.forceMfa && !requestAsksForMfa) return 'none';
  if (!enrollableSecondFactors(policy, situation.emailVerified).length) return 'impossible';
  if (requestAsksForMfa) return 'enroll';
  return mayPostponeEnrollment(policy, situation.mfaInitSkippedAt, situation.now) ? 'enroll-skippable' : 'enroll';
}

function mayPostponeEnrollment(policy: LoginPolicy, skippedAt: Date | null, now: Date): boolean {
  if (policy.mfaInitSkipLifetime <= 0) return false;
  if (!skippedAt) return true;
  return now.getTime() - skippedAt.getTime() < policy.mfaInitSkipLifetime * 1000;
}

export interface SessionSituation {
  policy: LoginPolicy;
  /** The session's methods and when the user authenticated (every check of one login happens at that time). */
  amr: readonly string[];
  authTime: number;
  /** Seconds since the epoch. */
  now: number;
  requestAsksForMfa: boolean;
  /** Whether the user has a usable second factor now (null when not looked up: the session used one). */
  hasUsableSecondFactor: boolean | null;
}

/**
 * Whether a browser session satisfies a new authorization request without a new login: its password check is within
 * `passwordCheckLifetime`, and where a second factor is due (the user has one, the policy forces MFA, or the request
 * asks for it) the session used one within `secondFactorCheckLifetime`; a passkey login counts for
 * `multiFactorCheckLifetime`. `prompt=login` and `max_age` are the
 * provider's own checks (oidc-provider's login prompt).
 */
export function sessionSatisfies(situation: SessionSituation): boolean {
  const { policy, amr, authTime, now } = situation;
  const age = now - authTime;
  // A passkey login (rules/webauthn.ts) is ZITADEL's multi-factor check, held to its own lifetime.
  if (amr.includes('user')) return age <= policy.multiFactorCheckLifetime;
  if (amr.includes('pwd') && age > policy.passwordCheckLifetime) return false;
  const secondFactorDue = situation.requestAsksForMfa || policy.forceMfa || situation.hasUsableSecondFactor === true;
  if (!amr.includes('mfa')) return !secondFactorDue;
  return age <= policy.secondFactorCheckLifetime;
}
