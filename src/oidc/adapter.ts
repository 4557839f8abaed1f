import type { Collection } from 'mongodb';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { batcherFor, type InsertBatcher } from '../store/database/insert-batcher.ts';
import { deleteBatcherFor, type DeleteBatcher } from '../store/database/delete-batcher.ts';
import { readBatcherFor, type ReadBatcher } from '../store/database/read-batcher.ts';
import { isCompactJwt } from '../platform/jwt-id.ts';
import type { TokenSealer } from '../platform/token-sealer.ts';
import {
  isSharedCollection,
  OidcConsumption,
  oidcPayloadModel,
  type OidcPayloadDocument,
} from '../store/models/oidc-payload.ts';

/** A consumption marker outlives what it marks (60 s to 10 min: oidc/lifetimes.ts, the library's defaults). */
const CONSUMPTION_RETENTION_MS = 3600 * 1000;
/** What the provider consumes through `consume` (lib/models/); refresh tokens: oidc/refresh-rotation.ts. */
const CONSUMABLE = new Set(['AuthorizationCode', 'DeviceCode', 'PushedAuthorizationRequest', 'PreAuthorizedCode']);
/** Written once when issued (later writes are rare): inserted through the group commit first. */
const WRITTEN_ONCE = new Set([
  'AccessToken',
  'ClientCredentials',
  'RefreshToken',
  'AuthorizationCode',
  'Grant',
  'ReplayDetection',
  'PushedAuthorizationRequest',
]);
/**
 * Saved again after they are created (an interaction's result, a session's later logins): only their first save, of a
 * fresh id, is inserted through the group commit (`expectFirstSave`, called from oidc/library-overrides.ts).
 */
const SAVED_AGAIN = new Set(['Interaction', 'Session']);
/**
 * Inserts a marker that decides a race (a code's consumption, an expired record's takeover): true for the one caller
 * whose insert stored it, false where its `_id` was taken. Through the group commit: parallel requests share an insert.
 */
async function markerInserted(_id: string, expiresAt: Date): Promise<boolean> {
  return (await batcherFor(OidcConsumption.collection).insert({ _id, expiresAt })) === 'inserted';
}

/** A stored document of this kind that has not expired. */
function isLive(found: OidcPayloadDocument | null, kind: string | undefined): found is OidcPayloadDocument {
  return !!found && found.kind === kind && !(found.expiresAt && found.expiresAt.getTime() <= Date.now());
}

/**
 * A request that lost the race to consume a code or refresh token (`consume` below): another request redeemed it at the
 * same time, so this one is a replay, and the grant must be revoked (oidc/library-overrides.ts).
 */
export class ConsumedByAnotherRequest extends errors.InvalidGrant {}

/** Resolves a JWT access token to its stored id (`jti`) after verifying it, or null. */
export type JwtResolver = (value: string) => Promise<string | null>;

export interface TokenFormats {
  /** For models whose access tokens may be JWTs: they are stored under their `jti`. */
  resolveJwt?: JwtResolver | null;
  /** For models whose opaque tokens carry their own payload: not stored, only their revocation is. */
  sealer?: TokenSealer | null;
}

/**
 * node-oidc-provider storage on MongoDB / FerretDB. Documents: `{_id, payload (JSON string), expiresAt,
 * grantId, uid, userCode, consumed}`. Every key is prefixed with the instance id, so one instance can never
 * find another's codes, tokens or sessions. Expired documents are filtered on read and swept periodically.
 * Sealed tokens (a model given a sealer) are never stored: only their revocations are.
 */
export class MongoAdapter implements Adapter {
  readonly #name: string;
  /**
   * The driver's collection, not mongoose queries: the adapter builds every document itself, so casting adds
   * nothing (mongoose, mquery and casting were 9% of a login's main-thread CPU).
   */
  readonly #collection: Collection<OidcPayloadDocument>;
  readonly #prefix: string;
  readonly #resolveJwt: JwtResolver | null;
  readonly #sealer: TokenSealer | null;
  readonly #inserts: InsertBatcher | null;
  /** For models saved again: the group commit their first saves go through, and the ids whose next save is one. */
  readonly #firstSaveInserts: InsertBatcher | null;
  readonly #firstSaves = new Set<string>();
  /** For models the provider consumes: the group commit of their consumption markers (`consume`). */
  readonly #consumptions: InsertBatcher | null;
  readonly #deletes: DeleteBatcher;
  /**
   * Reads by `_id` of one turn of the event loop, shared by every model of the collection: one command under load,
   * and the same look-up made by several models at once (introspection's three token models) is made once.
   */
  readonly #reads: ReadBatcher<OidcPayloadDocument>;
  /** Set when the model shares its collection: documents carry it, and other models' documents are not ours. */
  readonly #kind: string | undefined;

  constructor(name: string, instanceId: string, formats: TokenFormats = {}) {
    this.#name = name;
    const { collection } = oidcPayloadModel(name);
    // mongoose types every collection by Document; this one holds what its schema says.
    this.#collection = collection as unknown as Collection<OidcPayloadDocument>;
    this.#prefix = `${instanceId}:`;
    this.#resolveJwt = formats.resolveJwt ?? null;
    this.#sealer = formats.sealer ?? null;
    this.#inserts = WRITTEN_ONCE.has(name) ? batcherFor(collection) : null;
    this.#firstSaveInserts = SAVED_AGAIN.has(name) ? batcherFor(collection) : null;
    this.#consumptions = CONSUMABLE.has(name) ? batcherFor(collection) : null;
    this.#deletes = deleteBatcherFor(collection);
    this.#reads = readBatcherFor(this.#collection);
    this.#kind = isSharedCollection(name) ? name : undefined;
  }

  #key(value: string): string {
    return this.#prefix + value;
  }

  #fields(payload: AdapterPayload, expiresIn: number) {
    return {
      payload: JSON.stringify(payload),
      ...(this.#kind ? { kind: this.#kind } : {}),
      ...(payload.grantId ? { grantId: this.#key(payload.grantId) } : {}),
      ...(payload.uid ? { uid: this.#key(payload.uid) } : {}),
      ...(payload.userCode ? { userCode: this.#key(payload.userCode) } : {}),
      // Only sessions are looked up by account (a user's sessions are ended by it): tokens carry it too.
      ...(this.#name === 'Session' && payload.accountId ? { accountId: this.#key(payload.accountId) } : {}),
      ...(expiresIn ? { expiresAt: new Date(Date.now() + expiresIn * 1000) } : {}),
    };
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const fields = this.#fields(payload, expiresIn);
    const _id = this.#key(id);
    const inserts = this.#inserts ?? (this.#firstSaves.delete(id) ? this.#firstSaveInserts : null);
    if (inserts && (await inserts.insert({ _id, ...fields })) === 'inserted') return;
    await this.#collection.replaceOne({ _id }, fields, { upsert: true });
  }

  /**
   * The next save of `id` (of a model saved again) is the first of a fresh id: it is inserted through the group commit,
   * which parallel logins share, instead of being upserted alone. Should the id be taken after all, it is replaced.
   * `done` forgets the id when the save ended without reaching `upsert`.
   */
  expectFirstSave(id: string): { done(): void } {
    if (!this.#firstSaveInserts) throw new TypeError(`${this.#name} documents are not saved again`);
    this.#firstSaves.add(id);
    return { done: () => this.#firstSaves.delete(id) };
  }

  /**
   * Stores the document (of a model written once) unless a live one has its id: true when this call stored it. Of
   * concurrent callers exactly one wins: the unique `_id` decides between the inserts, and one conditional update
   * takes over an expired document.
   */
  async insertUnlessLive(id: string, payload: AdapterPayload, expiresIn: number): Promise<boolean> {
    const fields = this.#fields(payload, expiresIn);
    const _id = this.#key(id);
    if (!this.#inserts) throw new TypeError(`${this.#name} documents are not inserted through the group commit`);
    if ((await this.#inserts.insert({ _id, ...fields })) === 'inserted') return true;
    // An expired record is taken over by one caller only: a conditional update would let concurrent callers all match
    // on FerretDB v1 (docs/portable-mongodb.md, "Writes"), so each names the record's expiry in a marker whose insert
    // only one of them wins.
    const existing = await this.#collection.findOne({ _id }, { projection: { expiresAt: 1 } });
    if (!existing?.expiresAt || existing.expiresAt > new Date()) return false;
    const takeover = `takeover:${_id}@${existing.expiresAt.getTime()}`;
    if (!(await markerInserted(takeover, new Date(Date.now() + expiresIn * 1000)))) return false;
    await this.#collection.updateOne({ _id }, { $set: fields });
    return true;
  }

  /**
   * Inserts a document whose id must be new (a rotated refresh token's successor, oidc/refresh-rotation.ts) through the
   * group commit. A taken id means another request inserted it first: this one lost the race, or is a replay.
   */
  async insertNew(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    if (!this.#inserts) throw new TypeError(`${this.#name} documents are not inserted through the group commit`);
    const outcome = await this.#inserts.insert({ _id: this.#key(id), ...this.#fields(payload, expiresIn) });
    if (outcome === 'exists') throw new ConsumedByAnotherRequest(`${this.#name} was already used`);
  }

  /** Whether a document of this model is stored under `id`, expired or revoked or not. */
  async has(id: string): Promise<boolean> {
    const found = await this.#read({ _id: this.#key(id) });
    return !!found && (found.kind === this.#kind || found.kind === this.#revocationKind);
  }

  #read(filter: Record<string, string>): Promise<OidcPayloadDocument | null> {
    return filter._id === undefined ? this.#collection.findOne(filter) : this.#reads.read(filter._id);
  }

  async #findOne(filter: Record<string, string>): Promise<AdapterPayload | undefined> {
    // A consumable model's consumption marker is read in the same turn as the document by `_id`: one `find($in)`.
    const marker =
      !!this.#consumptions && filter._id !== undefined ? this.#reads.read(this.#markerKey(filter._id)) : null;
    const found = await this.#read(filter);
    if (!isLive(found, this.#kind)) return undefined;
    const payload = JSON.parse(found.payload) as AdapterPayload;
    const consumed =
      found.consumed || (!!this.#consumptions && !!(await (marker ?? this.#reads.read(this.#markerKey(found._id)))));
    return consumed ? { ...payload, consumed: Math.floor(Date.now() / 1000) } : payload;
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    // JWT access tokens are stored like opaque ones under their jti, so they can be introspected and revoked.
    if (this.#resolveJwt && isCompactJwt(id)) {
      const jti = await this.#resolveJwt(id);
      return jti ? this.#findOne({ _id: this.#key(jti) }) : undefined;
    }
    const sealed = this.#sealer?.open(id) as AdapterPayload | undefined;
    if (sealed) return this.#unlessRevoked(sealed);
    // Stored tokens, and JWTs that introspection and revocation have already replaced by their jti.
    return this.#findOne({ _id: this.#key(id) });
  }

  async #unlessRevoked(sealed: AdapterPayload): Promise<AdapterPayload | undefined> {
    if (typeof sealed.jti !== 'string' || sealed.kind !== this.#name) return undefined;
    const revocation = await this.#read({ _id: this.#revocationKey(sealed.jti) });
    return isLive(revocation, this.#revocationKind) ? undefined : sealed;
  }

  /** The revocation of a sealed token: a document of a kind of its own, so `find` never takes it for a token. */
  get #revocationKind(): string {
    return `${this.#name}:revoked`;
  }

  #revocationKey(jti: string): string {
    return this.#key(`revoked:${jti}`);
  }

  /** Records that a sealed token (never stored itself) is revoked, until it would have expired. */
  async revokeSealed(jti: string, expiresIn: number): Promise<void> {
    const expiresAt = new Date(Date.now() + expiresIn * 1000);
    await this.#collection.replaceOne(
      { _id: this.#revocationKey(jti) },
      { payload: '{}', kind: this.#revocationKind, expiresAt },
      { upsert: true },
    );
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findOne({ uid: this.#key(uid) });
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findOne({ userCode: this.#key(userCode) });
  }

  /**
   * Atomic "mark consumed only if not yet consumed". The provider checks `consumed` and then calls this without looking
   * at the result, so the loser of a race must fail here (the Keycloak CVE-2026-1035 shape). One insert of a marker
   * next to the document: its unique `_id` lets one of the requests that read the document unconsumed win, and `find`
   * reads it with the document (one `find($in)`), so every later request sees the replay (no update of the document).
   */
  async consume(plainId: string): Promise<void> {
    const marker = {
      _id: this.#markerKey(this.#key(plainId)),
      payload: '{}',
      kind: `${this.#name}:consumed`,
      expiresAt: new Date(Date.now() + CONSUMPTION_RETENTION_MS),
    };
    if (!this.#consumptions) throw new TypeError(`${this.#name} documents are not consumed`);
    if ((await this.#consumptions.insert(marker)) !== 'inserted')
      throw new ConsumedByAnotherRequest(`${this.#name} was already used`);
  }

  /** The consumption marker's `_id`: a kind of its own, so `find` never takes it for a code. */
  #markerKey(key: string): string {
    return `${key}:consumed`;
  }

  /**
   * A refresh token's id stays taken until it expires (oidc/refresh-rotation.ts: a successor's id, freed while its
   * predecessor could still be presented, would let a late replay insert it again): removing one revokes it in place.
   */
  get #keepsIds(): boolean {
    return this.#name === 'RefreshToken';
  }

  async #remove(filter: Record<string, string>, one: boolean): Promise<void> {
    if (!this.#keepsIds) await (one ? this.#collection.deleteOne(filter) : this.#collection.deleteMany(filter));
    else {
      const revoked = { $set: { kind: this.#revocationKind, payload: '{}' } };
      const live = { ...filter, kind: this.#name };
      await (one ? this.#collection.updateOne(live, revoked) : this.#collection.updateMany(live, revoked));
    }
  }

  async destroy(id: string): Promise<void> {
    // An interaction at the end of its login, a session at logout: parallel requests' deletions share one `deleteMany`
    // (store/database/delete-batcher.ts), which resolves once the document is gone.
    if (this.#keepsIds) await this.#remove({ _id: this.#key(id) }, true);
    else await this.#deletes.delete([this.#key(id)]);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    // Tokens of the grant may still be on their way to the database in the group commit: they are revoked too.
    await this.#inserts?.settled();
    // The provider revokes per model (refresh tokens only for clients allowed to refresh): in a shared
    // collection, only this model's documents.
    await this.#remove({ grantId: this.#key(grantId), ...(this.#kind ? { kind: this.#kind } : {}) }, false);
  }
}
