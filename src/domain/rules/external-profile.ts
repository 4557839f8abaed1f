import type { ExternalIdentity } from '../federation/protocol.ts';
import type { AuthMethod } from './mfa.ts';

/**
 * Which upstream attribute fills which field of the user (issue 17: username, email and whether it is trusted as
 * verified, names, locale). An absent entry takes the protocol's standard one (OIDC's `email`, `given_name`, …).
 */
export interface AttributeMapping {
  username?: string;
  email?: string;
  givenName?: string;
  familyName?: string;
  displayName?: string;
  locale?: string;
  /** Whether the upstream's `email_verified` makes the address verified here (else it is stored unverified). */
  trustEmailVerified: boolean;
}

/** The user fields an external identity provides, after mapping; what JIT creation and auto-update write. */
export interface ExternalProfile {
  username: string | null;
  email: string | null;
  emailVerified: boolean;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  locale: string | null;
}

const USERNAME = /^[a-z0-9._@+-]{1,200}$/;
const LOCALE = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/;

function attribute(identity: ExternalIdentity, name: string | undefined, standard: string | null): string | null {
  if (!name) return standard;
  const value = identity.raw[name];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

const limited = (value: string | null, max = 200): string | null => (value ? value.slice(0, max) : null);

/** The user fields of an external identity under a configuration's mapping; values that cannot be stored are null. */
export function externalProfile(identity: ExternalIdentity, mapping: AttributeMapping): ExternalProfile {
  const email = attribute(identity, mapping.email, identity.email)?.toLowerCase() ?? null;
  const validEmail = email && email.length <= 320 && /^[^\s@]+@[^\s@]+$/.test(email) ? email : null;
  const username = attribute(identity, mapping.username, identity.preferredUsername ?? validEmail)?.toLowerCase();
  const locale = attribute(identity, mapping.locale, identity.locale);
  return {
    username: username && USERNAME.test(username) ? username : null,
    email: validEmail,
    emailVerified: Boolean(validEmail) && mapping.trustEmailVerified && identity.emailVerified,
    givenName: limited(attribute(identity, mapping.givenName, identity.givenName)),
    familyName: limited(attribute(identity, mapping.familyName, identity.familyName)),
    displayName: limited(attribute(identity, mapping.displayName, identity.displayName)),
    locale: locale && locale.length <= 35 && LOCALE.test(locale) ? locale : null,
  };
}

const UPSTREAM_METHODS: readonly AuthMethod[] = ['pwd', 'otp', 'hwk', 'user'];

/**
 * RFC 8176 `amr` after an external login: `fed`, and where the configuration trusts the upstream, the methods it
 * reports that the login knows (so an upstream's `otp` or `hwk` counts as the second factor, and the tokens say `mfa`).
 */
export function externalAmr(identity: ExternalIdentity, trustUpstreamAmr: boolean): AuthMethod[] {
  const upstream = trustUpstreamAmr ? UPSTREAM_METHODS.filter((method) => identity.amr.includes(method)) : [];
  return ['fed', ...upstream];
}
