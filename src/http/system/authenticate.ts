import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import { decodeJwt, jwtVerify } from 'jose';
import type { Config } from '../../platform/config.ts';
import type { SystemUser } from '../../platform/system-config.ts';
import { HttpError } from '../middleware/errors.ts';

/** ZITADEL's system permissions; SYSTEM_OWNER holds them all, SYSTEM_OWNER_VIEWER the read one. */
export const SYSTEM_PERMISSIONS = {
  read: 'system.instance.read',
  write: 'system.instance.write',
  delete: 'system.instance.delete',
} as const;
export type SystemPermission = (typeof SYSTEM_PERMISSIONS)[keyof typeof SYSTEM_PERMISSIONS];

const ROLE_PERMISSIONS: Record<SystemUser['roles'][number], readonly SystemPermission[]> = {
  SYSTEM_OWNER: Object.values(SYSTEM_PERMISSIONS),
  SYSTEM_OWNER_VIEWER: [SYSTEM_PERMISSIONS.read],
};

/** An operator of the deployment, authenticated by a JWT signed with the key the configuration lists for it. */
export interface SystemCaller {
  name: string;
  permissions: ReadonlySet<SystemPermission>;
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, message);
}

/** Asymmetric algorithms only: a shared-secret JWT cannot be told from one the server could have made itself. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/**
 * Authenticates System API requests as ZITADEL does its SystemAPIUsers: a self-signed JWT (RFC 7523's JWT profile)
 * with `iss` = `sub` = the user's name, `aud` = the deployment's system audience (its public URL unless configured),
 * `iat` and `exp` no more than `maxTokenLifetimeSeconds` apart, signed with the user's configured key. Every refusal
 * is the same 401, whatever failed: nothing tells which operator names exist.
 */
export function systemAuthenticator(config: Config): (ctx: Context) => Promise<SystemCaller> {
  const audience = config.system.audience ?? config.publicUrl;
  const maxLifetime = config.system.maxTokenLifetimeSeconds;
  const users = new Map<string, { key: KeyObject; permissions: ReadonlySet<SystemPermission> }>(
    config.system.users.map((user) => [
      user.name,
      {
        key: createPublicKey(user.publicKeyPem),
        permissions: new Set(user.roles.flatMap((role) => ROLE_PERMISSIONS[role])),
      },
    ]),
  );
  const refused = unauthorized('a valid system JWT is required');
  return async (ctx) => {
    const match = /^Bearer ([A-Za-z0-9_.-]+)$/.exec(ctx.get('authorization'));
    if (!match) throw refused;
    const token = match[1]!;
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw refused;
    }
    const user = typeof issuer === 'string' ? users.get(issuer) : undefined;
    if (!user) throw refused;
    try {
      const { payload } = await jwtVerify(token, user.key, {
        issuer: issuer as string,
        subject: issuer as string,
        audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp', 'iat'],
        maxTokenAge: maxLifetime,
        clockTolerance: 5,
      });
      if (payload.exp! - payload.iat! > maxLifetime) throw new Error('lives too long');
    } catch {
      // A bad signature, claim or a key unfit for the token's algorithm (jose throws a TypeError for the last).
      throw refused;
    }
    return { name: issuer as string, permissions: user.permissions };
  };
}
