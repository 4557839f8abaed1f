/**
 * Refresh-token rotation decided by one insert: node-oidc-provider methods Castellan replaces (installed from
 * oidc/library-overrides.ts; the same rules apply: each names the 9.13.3 library code whose behaviour it changes, and
 * test/oidc/library-overrides-refresh.test.ts checks that code).
 *
 * 9.13.3 rotates a refresh token (lib/actions/grants/refresh_token.js) by consuming it (`RefreshToken#consume`, which
 * leaves it to the adapter) and saving a successor with a random id. On FerretDB v1 an atomic consumption takes two
 * writes of their own (a flag, then a unique marker: docs/portable-mongodb.md), besides the new tokens'. Here the
 * successor's id is derived from its predecessor's (platform/derived-keys.ts `refreshTokenSuccessor`), so inserting
 * the successor is the consumption: of the requests rotating one token, exactly one inserts it (the unique `_id`,
 * across every process), the others are replays and revoke the grant (RFC 9700 §4.14.2), and a token whose successor
 * is stored has been used.
 */
import type { AccessToken, AdapterPayload, RefreshToken } from 'oidc-provider';
import Provider from 'oidc-provider';
import revoke from 'oidc-provider/lib/helpers/revoke.js';
import { ConsumedByAnotherRequest, type MongoAdapter } from './adapter.ts';

/** The model methods the library has and @types/oidc-provider does not declare (lib/models/base_model.js). */
interface StoredToken {
  getValueAndPayload(): Promise<{ value: string; payload: AdapterPayload }>;
}

/** Whether the request is a refresh-token grant, where the token it finds is rotated, if at all, by its successor. */
function isRotation(): boolean {
  const oidc = Provider.ctx?.oidc;
  return oidc?.route === 'token' && oidc.params?.grant_type === 'refresh_token';
}

/** Successor inserts under way, by request: the access token's save waits for its request's (below). */
const successorInserts = new WeakMap<object, Promise<void>>();

/**
 * 9.13.3 `RefreshToken#consume` and `RefreshToken#save` (lib/models/refresh_token.js, lib/models/base_model.js) when
 * the refresh grant rotates a token: `consume` writes nothing, and the successor (saved while the rotated token is the
 * `RotatedRefreshToken` entity) gets its derived id and is inserted, never upserted. It is kept at least as long as
 * its predecessor would live, so a used token never finds its successor's id free again (an idle lifetime shortened
 * since would end the successor first). Saving it takes the library's steps (`BaseModel#save`) with that insert, and
 * does not wait for it: the access token's save does (`accessTokenAwaitsSuccessor`), so that both go in one group
 * commit. A request that fails in between still takes the replay path when its insert lost.
 */
function saveSuccessorAsConsumption(provider: Provider, successorOf: (jti: string) => string): void {
  const { prototype } = provider.RefreshToken;
  prototype.consume = async function consumedBySuccessor(this: RefreshToken) {
    this.emit('consumed');
  };
  const save = prototype.save;
  prototype.save = async function saveSuccessor(this: RefreshToken & StoredToken) {
    const ctx = Provider.ctx;
    const rotated = ctx?.oidc.entities.RotatedRefreshToken;
    if (!ctx || !rotated || rotated === this) return save.call(this);
    this.jti = successorOf(rotated.jti);
    const ttl = this.remainingTTL;
    const { value, payload } = await this.getValueAndPayload();
    const inserted = (this.adapter as MongoAdapter)
      .insertNew(this.jti, payload, Math.max(ttl, rotated.remainingTTL))
      .then(
        () => this.emit('saved'),
        async (error: unknown) => {
          // The replay path of lib/actions/grants/refresh_token.js (`refreshToken.consumed`): the presented token
          // goes, with every token of its grant.
          if (error instanceof ConsumedByAnotherRequest)
            await Promise.all([rotated.destroy(), revoke(ctx, rotated.grantId)]);
          throw error;
        },
      );
    inserted.catch(() => undefined);
    successorInserts.set(ctx, inserted);
    return value;
  };
}

/**
 * 9.13.3 `AccessToken#save` (lib/models/base_token.js): the refresh grant saves its access token right after the
 * successor (lib/actions/grants/refresh_token.js). It waits for the successor's insert as well, and answers as that
 * did: a lost rotation is a replay, whose access token is never handed out, and is removed (its insert may have
 * missed the grant's revocation).
 */
function accessTokenAwaitsSuccessor(provider: Provider): void {
  const { prototype } = provider.AccessToken;
  const save = prototype.save;
  prototype.save = async function saveAfterSuccessor(this: AccessToken) {
    const ctx = Provider.ctx;
    const successor = ctx && successorInserts.get(ctx);
    if (!successor) return save.call(this);
    successorInserts.delete(ctx);
    const [saved, rotated] = await Promise.allSettled([save.call(this), successor]);
    if (rotated.status === 'rejected') {
      if (saved.status === 'fulfilled') await this.destroy();
      throw rotated.reason;
    }
    if (saved.status === 'rejected') throw saved.reason;
    return saved.value;
  };
}

/**
 * 9.13.3 `RefreshToken.find` (lib/models/refresh_token.js) gives the stored token, `consumed` when the adapter says so.
 * A token whose successor is stored has been used: introspection and revocation see it consumed. The refresh grant
 * does not look: it rotates the token, and the successor's insert finds out.
 */
function consumedWhenSucceeded(provider: Provider, successorOf: (jti: string) => string): void {
  const Model = provider.RefreshToken;
  const find = Model.find;
  Model.find = async function findWithConsumption(id: string, options?: object) {
    const token = (await find.call(Model, id, options)) as RefreshToken | undefined;
    if (!token || token.consumed || isRotation()) return token;
    if (await (Model.adapter as MongoAdapter).has(successorOf(token.jti)))
      token.consumed = Math.floor(Date.now() / 1000);
    return token;
  } as typeof Model.find;
}

/** Installs the rotation replacements on one instance's provider. */
export function rotateBySuccessorInsert(provider: Provider, successorOf: (jti: string) => string): void {
  saveSuccessorAsConsumption(provider, successorOf);
  accessTokenAwaitsSuccessor(provider);
  consumedWhenSucceeded(provider, successorOf);
}
