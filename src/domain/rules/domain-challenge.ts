/**
 * Where a domain's proof of ownership goes, exactly as ZITADEL (internal/api/http/domain_check.go): the token as the
 * body of `https://{domain}/.well-known/zitadel-challenge/{token}.txt`, or as a TXT record at
 * `_zitadel-challenge.{domain}`.
 */
export type DomainValidationType = 'http' | 'dns';

export const CHALLENGE_HTTP_PATH_PREFIX = '/.well-known/zitadel-challenge/';
export const CHALLENGE_DNS_PREFIX = '_zitadel-challenge.';

export function challengeHttpPath(token: string): string {
  return `${CHALLENGE_HTTP_PATH_PREFIX}${token}.txt`;
}

/** What the org owner is told: the URL to serve the token at, or the DNS name to put it under. */
export function challengeLocation(type: DomainValidationType, domain: string, token: string): string {
  return type === 'http' ? `https://${domain}${challengeHttpPath(token)}` : `${CHALLENGE_DNS_PREFIX}${domain}`;
}
