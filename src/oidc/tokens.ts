import querystring from 'node:querystring';
import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import type { MasterKey } from '../platform/crypto.ts';
import type { TokenSealer } from '../platform/token-sealer.ts';
import { findActiveAccount } from '../store/queries/accounts.ts';
import type { ClientInfo } from './clients.ts';
import { clientCredentialsSealer } from '../platform/derived-keys.ts';
import { loadSigningJwks } from '../store/queries/signing-keys.ts';
import type { InstanceRecord } from './tenants.ts';
import type { JwtResolver, MongoAdapter } from './adapter.ts';
import { buildClaims, clientInfo } from './claims.ts';

const PRIVATE_PARTS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const MAX_FORM_BYTES = 56 * 1024;

export interface TokenContext {
  /** The provider's signing keys (active RS256 first). */
  privateJwks: JWK[];
  resolveJwt: JwtResolver;
  signingKey: CryptoKey | Uint8Array;
  signingKid: string;
  /** Seals opaque client-credentials tokens. */
  clientCredentialsSealer: TokenSealer;
}

export async function createTokenContext(instance: InstanceRecord, masterKey: MasterKey): Promise<TokenContext> {
  const privateJwks = await loadSigningJwks(instance._id, masterKey);
  const publicJwks = privateJwks.map(
    (jwk) => Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_PARTS.includes(name))) as JWK,
  );
  const keySet = createLocalJWKSet({ keys: publicJwks });
  const signing = privateJwks.find((jwk) => jwk.alg === 'RS256');
  if (!signing?.kid) throw new Error(`instance ${instance._id} has no RS256 signing key`);
  return {
    privateJwks,
    signingKey: await importJWK(signing, 'RS256'),
    signingKid: signing.kid,
    clientCredentialsSealer: clientCredentialsSealer(masterKey, instance._id),
    async resolveJwt(value) {
      try {
        const { payload } = await jwtVerify(value, keySet, { issuer: instance.issuer });
        return typeof payload.jti === 'string' ? payload.jti : null;
      } catch {
        return null;
      }
    },
  };
}

interface IssuedToken {
  jti: string;
  clientId?: string;
  accountId?: string;
  scope?: string;
  aud?: string | string[];
  client?: Client;
}

interface EndpointPaths {
  userinfo: string;
  introspection: string;
  revocation: string;
}

type AudienceOf = (token: { scope?: string; clientId?: string }, info: ClientInfo) => string[];

async function readForm(req: IncomingMessage): Promise<querystring.ParsedUrlQuery> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) break;
    chunks.push(chunk);
  }
  return querystring.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Token behaviour node-oidc-provider does not have:
 * - every access token stores its ZITADEL audience (`aud`), so the management API and introspection read it;
 * - JWT access tokens (app or machine setting) are signed here but stored like opaque ones under their
 *   `jti`, so they are introspectable and revocable, and usable at userinfo;
 * - opaque client-credentials tokens are sealed (they carry their own payload, encrypted) and not stored:
 *   they belong to no grant, so nothing needs to find them but their holder, and issuing one then costs no
 *   database write. Revoking one stores its revocation until it would have expired;
 * - userinfo is Castellan's: ZITADEL's access tokens carry an audience and are still valid at userinfo,
 *   which the provider's own endpoint refuses;
 * - introspection answers with the live claims (roles for the introspecting client's project).
 */
export function tokenEndpoints(
  provider: Provider,
  tokens: TokenContext,
  instance: InstanceRecord,
  audienceOf: AudienceOf,
  paths: EndpointPaths,
): void {
  const instanceId = instance._id;
  const managementProjectId = instance.managementProjectId;

  async function signAccessToken(
    token: IssuedToken,
    info: ClientInfo,
    payload: { iat?: number; exp?: number },
  ): Promise<string> {
    const subject = token.accountId ?? info.userId ?? token.clientId ?? '';
    const account = await findActiveAccount(instanceId, subject);
    const custom = account
      ? await buildClaims({
          instanceId,
          managementProjectId,
          account,
          scope: token.scope ?? '',
          target: 'access_token',
          client: info,
        })
      : {};
    const iat = payload.iat ?? Math.floor(Date.now() / 1000);
    const skew = info.clockSkewSeconds;
    return new SignJWT({ ...custom, client_id: token.clientId })
      .setProtectedHeader({ alg: 'RS256', kid: tokens.signingKid, typ: 'JWT' })
      .setIssuer(instance.issuer)
      .setSubject(subject)
      .setAudience(token.aud ?? [])
      .setIssuedAt(iat - skew)
      .setNotBefore(iat - skew)
      .setExpirationTime((payload.exp ?? iat) + skew)
      .setJti(token.jti)
      .sign(tokens.signingKey);
  }

  for (const Model of [provider.AccessToken, provider.ClientCredentials]) {
    const prototype = Model.prototype as unknown as {
      getValueAndPayload(this: IssuedToken): Promise<{ value: string; payload?: { iat?: number; exp?: number } }>;
    };
    const opaque = prototype.getValueAndPayload;
    prototype.getValueAndPayload = async function castellanValueAndPayload(this: IssuedToken) {
      const info = this.client ? clientInfo(this.client) : null;
      if (info) this.aud = audienceOf(this, info);
      const result = await opaque.call(this);
      if (!result.payload) return result;
      if (info?.accessTokenType === 'jwt')
        return { value: await signAccessToken(this, info, result.payload), payload: result.payload };
      if (Model === provider.ClientCredentials) return { value: tokens.clientCredentialsSealer.seal(result.payload) };
      return result;
    };
  }
  const destroyStored = provider.ClientCredentials.prototype.destroy;
  provider.ClientCredentials.prototype.destroy = async function revokeSealedOrStored(
    this: InstanceType<typeof provider.ClientCredentials>,
  ) {
    // The provider's adapter factory (oidc/provider.ts) gives every token model a MongoAdapter. A JWT is
    // stored and deleted as well; its revocation record is then redundant, and revocations are rare.
    await (this.adapter as unknown as MongoAdapter).revokeSealed(this.jti, Math.max(1, this.remainingTTL));
    await destroyStored.call(this);
  };

  function bearerError(ctx: KoaContextWithOIDC, status: number, error: string, description: string): void {
    ctx.status = status;
    ctx.set(
      'WWW-Authenticate',
      `Bearer realm="${instance.issuer}", error="${error}", error_description="${description}"`,
    );
    ctx.body = { error, error_description: description };
  }

  async function userinfo(ctx: KoaContextWithOIDC): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    const header = ctx.get('authorization');
    let value = /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (!value && ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded')) {
      const form = await readForm(ctx.req);
      value = typeof form.access_token === 'string' ? form.access_token : undefined;
    }
    if (!value) return bearerError(ctx, 401, 'invalid_token', 'no access token provided');
    const token = await provider.AccessToken.find(value);
    if (!token?.isValid || token.isSenderConstrained())
      return bearerError(ctx, 401, 'invalid_token', 'invalid access token');
    if (!token.scopes.has('openid'))
      return bearerError(ctx, 403, 'insufficient_scope', 'access token missing openid scope');
    const grant = token.grantId ? await provider.Grant.find(token.grantId) : undefined;
    const client = token.clientId ? await provider.Client.find(token.clientId) : undefined;
    if (!grant || !client || grant.clientId !== token.clientId || grant.accountId !== token.accountId)
      return bearerError(ctx, 401, 'invalid_token', 'invalid access token');
    const account = token.accountId ? await findActiveAccount(instanceId, token.accountId) : null;
    if (!account) return bearerError(ctx, 401, 'invalid_token', 'no active user');
    const claims = await buildClaims({
      instanceId,
      managementProjectId,
      account,
      scope: token.scope ?? '',
      target: 'userinfo',
      client: clientInfo(client),
    });
    ctx.body = { sub: account.user._id, ...claims };
  }

  /** The provider refuses JWTs at introspection and revocation; a verified JWT is looked up by its jti. */
  async function unwrapJwtToken(ctx: KoaContextWithOIDC): Promise<void> {
    if (!ctx.is('application/x-www-form-urlencoded')) return;
    const form = await readForm(ctx.req);
    if (typeof form.token === 'string' && JWT_SHAPE.test(form.token)) {
      const jti = await tokens.resolveJwt(form.token);
      if (jti) form.token = jti;
    }
    (ctx.req as IncomingMessage & { body?: unknown }).body = form;
  }

  async function addIntrospectionClaims(ctx: KoaContextWithOIDC): Promise<void> {
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body?.active || !ctx.oidc.client) return;
    const { entities } = ctx.oidc;
    const token = (entities.AccessToken ?? entities.ClientCredentials ?? entities.RefreshToken) as
      IssuedToken | undefined;
    const caller = ctx.oidc.client;
    const owner = token?.clientId === caller.clientId ? caller : await provider.Client.find(token?.clientId ?? '');
    const ownerInfo = owner ? clientInfo(owner) : null;
    const subject = token?.accountId ?? ownerInfo?.userId;
    const account = subject ? await findActiveAccount(instanceId, subject) : null;
    if (!token || !ownerInfo || !account) {
      ctx.body = { active: false };
      return;
    }
    body.sub = subject;
    body.aud ??= audienceOf(token, ownerInfo);
    Object.assign(
      body,
      await buildClaims({
        instanceId,
        managementProjectId,
        account,
        scope: token.scope ?? '',
        target: 'introspection',
        client: ownerInfo,
        currentProjectId: clientInfo(caller).projectId,
      }),
    );
  }

  const { userinfo: userinfoPath, introspection, revocation } = paths;
  provider.use(async (ctx, next) => {
    if (ctx.path === userinfoPath && (ctx.method === 'GET' || ctx.method === 'POST'))
      return userinfo(ctx as KoaContextWithOIDC);
    const tokenRequest = ctx.method === 'POST' && (ctx.path === introspection || ctx.path === revocation);
    if (tokenRequest) await unwrapJwtToken(ctx as KoaContextWithOIDC);
    await next();
    if (tokenRequest && ctx.path === introspection) await addIntrospectionClaims(ctx as KoaContextWithOIDC);
  });
}
