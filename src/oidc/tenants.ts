import { LRUCache } from 'lru-cache';
import type Provider from 'oidc-provider';
import type { CookieSigner } from '../platform/cookie-signer.ts';
import { sweepIdleEntries } from '../platform/idle-sweep.ts';
import { hostnameOf } from '../domain/rules/instance-domains.ts';
import { databaseConnected, isDatabaseUnavailable } from '../store/database/connection.ts';
import { Instance } from '../store/models/index.ts';
import type { InstanceDocument } from '../store/models/instance.ts';
import {
  storedInstanceRouting,
  storedInstanceRoutingNow,
  type InstanceRouting,
} from '../store/queries/instance-settings.ts';

export type InstanceRecord = InstanceDocument & { _id: string };

/** Everything that is per instance: its record and its OIDC provider (one issuer, one key set, one cookie). */
export interface Tenant {
  instance: InstanceRecord;
  provider: Provider;
  /** The provider's request handler, created once. */
  handle: ReturnType<Provider['callback']>;
  /** Signs the instance's cookies: the provider's, and the login UI's (http/middleware/instance-cookies.ts). */
  cookieKeys: CookieSigner;
}

export type TenantFactory = (instance: InstanceRecord) => Promise<Tenant>;

export interface TenantLimits {
  /** The most providers kept built at once; the least recently used goes first. */
  maxActive: number;
  /** A provider unused this long is dropped (rebuilt on its next request). */
  idleMs: number;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Host names remembered; a forgotten one costs one indexed read. */
const MAX_REMEMBERED_HOSTS = 20_000;

/** What a provider is built from: a change of either needs a new provider (oidc/configuration.ts reads both once). */
function buildInputs(instance: Pick<InstanceRouting, 'issuer' | 'tokenLifetimes'>): string {
  return JSON.stringify([instance.issuer, instance.tokenLifetimes]);
}

/**
 * Finds the instance a request is for by its host, through an explicit lookup of the instance's registered domains.
 * An unknown host finds no instance (a 404), with one alias: when the default instance's issuer (PUBLIC_URL) is on a
 * loopback name, every loopback name reaches it. The host only selects: every URL the server emits comes from the
 * issuer.
 *
 * Providers are built on an instance's first request and kept while used (at most `maxActive`, each dropped after
 * `idleMs` unused), so a deployment of thousands of instances holds only its active ones. Each request reads the
 * instance's current record from the per-instance cache (one map look-up while nothing changed): a deactivated or
 * removed instance, a domain removed, a new issuer or new token lifetimes are seen by every process within a cache
 * revision poll, with no per-instance work on any request.
 */
export class TenantRegistry {
  readonly #factory: TenantFactory;
  readonly #defaultIssuer: string;
  readonly #tenants: LRUCache<string, Promise<Tenant>>;
  readonly #idByHost = new LRUCache<string, string>({ max: MAX_REMEMBERED_HOSTS });
  readonly #defaultOnLoopback: boolean;
  /** The record each built provider was last brought up to date with: while it is current, nothing is compared. */
  readonly #applied = new WeakMap<Tenant, InstanceRouting>();
  /** What each provider's build came to, once it has: `forHostAtOnce` cannot wait for the promise. */
  readonly #built = new WeakMap<Promise<Tenant>, Tenant>();
  readonly #stopSweeping: () => void;

  constructor(factory: TenantFactory, defaultIssuer: string, limits: TenantLimits) {
    this.#factory = factory;
    this.#defaultIssuer = defaultIssuer;
    this.#defaultOnLoopback = LOOPBACK_NAMES.has(new URL(defaultIssuer).hostname.toLowerCase());
    this.#tenants = new LRUCache({ max: limits.maxActive, ttl: limits.idleMs, updateAgeOnGet: true });
    // A stale provider is never served (a get finds nothing); the sweep drops the idle ones from memory.
    this.#stopSweeping = sweepIdleEntries(this.#tenants, limits.idleMs);
  }

  /** Forgets every built provider and stops sweeping: a stopped server keeps none of them alive. */
  close(): void {
    this.#stopSweeping();
    this.#tenants.clear();
    this.#idByHost.clear();
  }

  /** How many providers are built (the bench and /metrics read it). */
  get activeProviders(): number {
    return this.#tenants.size;
  }

  /**
   * What `forHost` would find, without waiting, while everything it needs is known and unchanged: the host remembered,
   * the provider built, the instance's cached record loaded and the very one the provider was last brought up to date
   * with (a change replaces it), the host still one of the instance's. Undefined otherwise, then `forHost` is asked:
   * any change is seen there, as before. About five awaits over settled values per request were 2.6% of an
   * introspection's CPU (bench/README.md, "Introspection").
   */
  forHostAtOnce(host: string): Tenant | undefined {
    const hostname = hostnameOf(host);
    const instanceId = this.#idByHost.get(hostname);
    // While the database is down `byId` serves the last record it read: that path decides, as before.
    if (instanceId === undefined || !databaseConnected()) return undefined;
    const building = this.#tenants.get(instanceId);
    const built = building && this.#built.get(building);
    if (!built) return undefined;
    const current = storedInstanceRoutingNow(instanceId);
    if (!current || this.#applied.get(built) !== current) return undefined;
    return this.#serves(built, hostname) ? built : undefined;
  }

  #serves(tenant: Tenant, hostname: string): boolean {
    return (this.#defaultOnLoopback && LOOPBACK_NAMES.has(hostname)) || tenant.instance.domains.includes(hostname);
  }

  async forHost(host: string): Promise<Tenant | null> {
    const hostname = hostnameOf(host);
    const remembered = this.#idByHost.get(hostname);
    const instanceId = remembered ?? (await this.#lookUp(hostname));
    if (!instanceId) return null;
    const tenant = await this.byId(instanceId);
    if (tenant && this.#serves(tenant, hostname)) return tenant;
    // The domain moved or the instance went since the host was remembered: look again, once.
    this.#idByHost.delete(hostname);
    return remembered ? this.forHost(host) : null;
  }

  async #lookUp(hostname: string): Promise<string | null> {
    const loopbackAlias = this.#defaultOnLoopback && LOOPBACK_NAMES.has(hostname);
    const instance =
      (await Instance.findOne({ domains: hostname }, { _id: 1 }).lean()) ??
      (loopbackAlias ? await Instance.findOne({ issuer: this.#defaultIssuer }, { _id: 1 }).lean() : null);
    if (instance) this.#idByHost.set(hostname, instance._id);
    return instance?._id ?? null;
  }

  async byId(instanceId: string): Promise<Tenant | null> {
    const current = await this.#current(instanceId);
    if (current === null) {
      this.#tenants.delete(instanceId);
      return null;
    }
    let tenant = this.#tenants.get(instanceId);
    // The cached record is replaced (a new object) on every change of the instance: the same one means no change.
    if (tenant && current !== undefined) {
      const built = await tenant;
      if (this.#applied.get(built) === current) return built;
      if (buildInputs(built.instance) !== buildInputs(current)) {
        this.#tenants.delete(instanceId);
        tenant = undefined;
      }
    }
    if (!tenant) {
      const instance = await Instance.findById(instanceId).lean();
      if (!instance) return null;
      tenant = this.#factory(instance as InstanceRecord);
      this.#tenants.set(instanceId, tenant);
      tenant.catch(() => this.#tenants.delete(instanceId));
    }
    const built = await tenant;
    this.#built.set(tenant, built);
    // The record the provider, the pages and the login read gets the current state, domains and login policy.
    if (current) {
      Object.assign(built.instance, current);
      this.#applied.set(built, current);
    }
    return built;
  }

  /**
   * The instance's current record: null when it is gone, undefined while the database is down (the last one read
   * stays, and the request goes on at once to the part that answers it properly: an OAuth `temporarily_unavailable`,
   * a page saying so, not through a read that would wait for the database).
   */
  async #current(instanceId: string): Promise<InstanceRouting | null | undefined> {
    if (!databaseConnected() && this.#tenants.has(instanceId)) return undefined;
    try {
      return await storedInstanceRouting(instanceId);
    } catch (error) {
      if (isDatabaseUnavailable(error) && this.#tenants.has(instanceId)) return undefined;
      throw error;
    }
  }

  /** Forget a tenant (after its instance settings or keys change); the next request rebuilds it. */
  invalidate(instanceId: string): void {
    this.#tenants.delete(instanceId);
    for (const [host, id] of this.#idByHost.entries()) if (id === instanceId) this.#idByHost.delete(host);
  }
}
