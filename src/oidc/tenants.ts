import type Provider from 'oidc-provider';
import { databaseConnected, isDatabaseUnavailable } from '../store/database/connection.ts';
import { Instance } from '../store/models/index.ts';
import type { InstanceDocument } from '../store/models/instance.ts';
import { storedInstanceLoginPolicy } from '../store/queries/instance-settings.ts';

export type InstanceRecord = InstanceDocument & { _id: string };

/** Everything that is per instance: its record and its OIDC provider (one issuer, one key set, one cookie). */
export interface Tenant {
  instance: InstanceRecord;
  provider: Provider;
  /** The provider's request handler, created once. */
  handle: ReturnType<Provider['callback']>;
}

export type TenantFactory = (instance: InstanceRecord) => Promise<Tenant>;

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host name of a Host header value (port dropped, lower case; IPv6 literals keep their brackets). */
function hostnameOf(host: string): string {
  return host.replace(/:\d*$/, '').toLowerCase();
}

/**
 * Finds the instance a request is for by its Host header, through an explicit lookup of the instance's
 * registered domains (bootstrap registers the issuer's host). An unknown host finds no instance (a 404),
 * with one alias: when the default instance's issuer (PUBLIC_URL) is on a loopback name, every loopback
 * name reaches it. The Host header only selects: every URL the server emits comes from the issuer.
 */
export class TenantRegistry {
  readonly #factory: TenantFactory;
  readonly #defaultIssuer: string;
  readonly #byId = new Map<string, Promise<Tenant>>();
  readonly #idByHost = new Map<string, string>();

  constructor(factory: TenantFactory, defaultIssuer: string) {
    this.#factory = factory;
    this.#defaultIssuer = defaultIssuer;
  }

  async forHost(host: string): Promise<Tenant | null> {
    const hostname = hostnameOf(host);
    let instanceId = this.#idByHost.get(hostname);
    if (instanceId === undefined) {
      const loopbackAlias =
        LOOPBACK_NAMES.has(hostname) && LOOPBACK_NAMES.has(new URL(this.#defaultIssuer).hostname.toLowerCase());
      const instance =
        (await Instance.findOne({ domains: hostname }, { _id: 1 }).lean()) ??
        (loopbackAlias ? await Instance.findOne({ issuer: this.#defaultIssuer }, { _id: 1 }).lean() : null);
      if (!instance) return null;
      instanceId = instance._id;
      this.#idByHost.set(hostname, instanceId);
    }
    return this.byId(instanceId);
  }

  async byId(instanceId: string): Promise<Tenant | null> {
    let tenant = this.#byId.get(instanceId);
    if (!tenant) {
      const instance = await Instance.findById(instanceId).lean();
      if (!instance) return null;
      tenant = this.#factory(instance as InstanceRecord);
      this.#byId.set(instanceId, tenant);
      tenant.catch(() => this.#byId.delete(instanceId));
    }
    const built = await tenant;
    // The login policy changes through the API without a new provider: the record the provider, the pages and the
    // login read it from gets the cached current one (dropped on every instance write, in every process). While the
    // database is down the last one read stays, and the request goes on at once to the part that answers it properly
    // (an OAuth `temporarily_unavailable`, a page saying so), not through a read that would wait for the database.
    if (!databaseConnected()) return built;
    try {
      built.instance.loginPolicy = (await storedInstanceLoginPolicy(instanceId)) as InstanceRecord['loginPolicy'];
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
    }
    return built;
  }

  /** Forget a tenant (after its instance settings or keys change); the next request rebuilds it. */
  invalidate(instanceId: string): void {
    this.#byId.delete(instanceId);
    for (const [host, id] of this.#idByHost) if (id === instanceId) this.#idByHost.delete(host);
  }
}
