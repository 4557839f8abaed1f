import { slug } from './org-domains.ts';

/** A host name (RFC 1123 labels), lower case, without a port: what a Host header names once its port is dropped. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The domain in the form stored and looked up (lower case), or null when it is no host name. */
export function normalizedDomain(domain: string): string | null {
  const lower = domain.trim().toLowerCase();
  return HOST_NAME.test(lower) ? lower : null;
}

/**
 * The domain an instance gets under the deployment's base domain (ZITADEL: `{name}-{random}.{ExternalDomain}`): the
 * name as a DNS label, made unique by a suffix, so renaming the instance never moves it.
 */
export function generatedDomain(name: string, suffix: string, baseDomain: string): string {
  return `${slug(name).slice(0, 40)}-${suffix}.${baseDomain}`;
}

/**
 * The issuer of an instance whose primary domain is `domain`: served by the same listener as the deployment's public
 * URL, so with its scheme and port (an issuer is an https URL in production, http on loopback in tests).
 */
export function issuerFor(domain: string, publicUrl: string): string {
  const base = new URL(publicUrl);
  return `${base.protocol}//${domain}${base.port ? `:${base.port}` : ''}`;
}

/** The host name of a Host header value (port dropped, lower case; IPv6 literals keep their brackets). */
export function hostnameOf(host: string): string {
  return host.replace(/:\d*$/, '').toLowerCase();
}
