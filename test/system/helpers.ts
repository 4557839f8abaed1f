// The System API as an operator calls it: JWTs signed with a key the server's configuration lists
// (CASTELLAN_SYSTEM_USERS), and JSON calls to /system/v1 on the deployment's public URL.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

export interface SystemOperator {
  name: string;
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function newOperator(name: string): SystemOperator {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { name, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** The env entry that makes the operators known to a test server, with their roles. */
export function systemUsersEnv(operators: Array<{ operator: SystemOperator; roles?: string[] }>): string {
  return JSON.stringify(
    operators.map(({ operator, roles }) => ({
      name: operator.name,
      publicKeyPem: operator.publicKeyPem,
      ...(roles ? { roles } : {}),
    })),
  );
}

export interface JwtOptions {
  audience: string;
  lifetimeSeconds?: number;
  issuer?: string;
  subject?: string;
  issuedAt?: number;
}

export function systemJwt(operator: SystemOperator, options: JwtOptions): Promise<string> {
  const now = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(options.issuer ?? operator.name)
    .setSubject(options.subject ?? operator.name)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.lifetimeSeconds ?? 300))
    .sign(operator.privateKey);
}

export interface SystemResponse {
  status: number;
  body: Record<string, unknown> & { [key: string]: unknown };
  contentType: string;
}

export async function systemCall(
  baseUrl: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<SystemResponse> {
  const response = await fetch(`${baseUrl}/system/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as SystemResponse['body']) : {},
    contentType: response.headers.get('content-type') ?? '',
  };
}

/** A create body for an instance on the given domains, with a password owner and a machine owner. */
export function newInstanceBody(name: string, domains: string[], extra: Record<string, unknown> = {}): unknown {
  return {
    name,
    customDomains: domains,
    org: { name: `${name} Org` },
    owner: {
      username: 'owner',
      email: `owner@${domains[0] ?? 'example.com'}`,
      givenName: 'Instance',
      familyName: 'Owner',
      password: 'Owner-Password-1!',
    },
    machine: { username: 'automation', name: 'Automation' },
    ...extra,
  };
}
