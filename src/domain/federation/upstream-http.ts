import * as client from 'openid-client';
import { z } from 'zod';
import { outboundFetch } from '../../platform/outbound-fetch.ts';
import { FederationError } from './protocol.ts';

/**
 * How long Castellan waits for an upstream's discovery, token, userinfo or user endpoint (seconds): a login must end on
 * a readable page, not hang, when the upstream is down or stalls (issue 17).
 */
export const UPSTREAM_TIMEOUT_SECONDS = 10;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a URL is on this machine: the only place an upstream may be reached over plain HTTP (tests, development). */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/** An upstream URL must use TLS (OAuth 2.0 Security BCP, RFC 9700 §2.6), except on loopback. */
export function upstreamUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol === 'https:') return null;
  return url.protocol === 'http:' && isLoopbackUrl(url) ? null : 'must be an https URL';
}

/** openid-client's requests go through the outbound guard (private addresses, rebinding: outbound-fetch.ts). */
export const upstreamFetch: client.CustomFetch = (url, options) => outboundFetch(url, options as RequestInit);

function fetchThroughGuard(config: client.Configuration): void {
  config[client.customFetch] = upstreamFetch;
}

/**
 * The request options every openid-client call to `url` gets: the timeout, the outbound guard (for discovery, and on
 * the configuration for every later request), and plain HTTP on loopback only.
 */
export function upstreamOptions(url: URL): {
  timeout: number;
  execute: Array<(config: client.Configuration) => void>;
  [client.customFetch]: client.CustomFetch;
} {
  return {
    timeout: UPSTREAM_TIMEOUT_SECONDS,
    execute: isLoopbackUrl(url) ? [client.allowInsecureRequests, fetchThroughGuard] : [fetchThroughGuard],
    [client.customFetch]: upstreamFetch,
  };
}

/**
 * An openid-client failure as the login shows it: the upstream's own OAuth error (RFC 6749 §4.1.2.1: the user denied,
 * …), an unreachable or slow upstream, or an answer that does not check out (signature, state, nonce, issuer).
 */
export function federationErrorOf(error: unknown): FederationError {
  if (error instanceof FederationError) return error;
  if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) {
    const reason = error.error === 'access_denied' ? 'access_denied' : 'upstream_error';
    const message =
      reason === 'access_denied'
        ? 'The sign-in was cancelled or refused at the identity provider.'
        : `The identity provider answered with an error (${error.error}).`;
    return new FederationError(reason, message);
  }
  const name = (error as { name?: string; cause?: { name?: string } } | null)?.name;
  const causeName = (error as { cause?: { name?: string } } | null)?.cause?.name;
  const code = (error as { code?: string } | null)?.code;
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    causeName === 'TimeoutError' ||
    error instanceof TypeError ||
    code === 'OAUTH_TIMEOUT'
  )
    return new FederationError('unreachable', 'The identity provider could not be reached. Please try again later.');
  return new FederationError('invalid_response', 'The identity provider sent an answer that could not be accepted.');
}

/** A string claim or attribute, or null. */
export function stringClaim(raw: Record<string, unknown>, name: string): string | null {
  const value = raw[name];
  if (typeof value === 'string' && value.length > 0) return value;
  return typeof value === 'number' ? String(value) : null;
}

/** An upstream endpoint or issuer in an IdP's settings. */
export const upstreamUrlSchema = z
  .string()
  .max(2048)
  .superRefine((value, check) => {
    const problem = upstreamUrlProblem(value);
    if (problem) check.addIssue({ code: 'custom', message: problem });
  });

/** Scopes asked of an upstream (RFC 6749 §3.3 scope tokens). */
export const scopeListSchema = z
  .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token'))
  .max(30);
