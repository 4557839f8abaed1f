import type Provider from 'oidc-provider';
import { Instance } from '../store/models/index.ts';
import type { InstanceDocument } from '../store/models/instance.ts';

export type InstanceRecord = InstanceDocument & { _id: string };

/** Everything that is per instance: its record and its OIDC provider (one issuer, one key set, one cookie). */
export interface Tenant {
  instance: InstanceRecord;
  provider: Provider;
  /** The provider's request handler, created once. */
  handle: ReturnType<Provider['callback']>;
}

export type TenantFactory = (instance: InstanceRecord) => Promise<Tenant>;

/**
 * Finds the instance a request is for by its Host header, through an explicit lookup of the
 * instance's registered domains; unknown hosts fall back to the default instance (the one whose
 * issuer is PUBLIC_URL), never to an issuer made up from the Host header.
 */
export class TenantRegistry {
  readonly #factory: TenantFactory;
  readonly #defaultIssuer: string;
  readonly #byId = new Map<string, Promise<Tenant>>();
  readonly #idByHost = new Map<string, string | null>();

  constructor(factory: TenantFactory, defaultIssuer: string) {
    this.#factory = factory;
    this.#defaultIssuer = defaultIssuer;
  }

  async forHost(host: string): Promise<Tenant | null> {
    const hostname = host.replace(/:\d+$/, '').toLowerCase();
    let instanceId = this.#idByHost.get(hostname);
    if (instanceId === undefined) {
      const instance =
        (await Instance.findOne({ domains: hostname }, { _id: 1 }).lean()) ??
        (await Instance.findOne({ issuer: this.#defaultIssuer }, { _id: 1 }).lean());
      instanceId = instance?._id ?? null;
      if (instanceId) this.#idByHost.set(hostname, instanceId);
    }
    return instanceId ? this.byId(instanceId) : null;
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
    return tenant;
  }

  /** Forget a tenant (after its instance settings or keys change); the next request rebuilds it. */
  invalidate(instanceId: string): void {
    this.#byId.delete(instanceId);
    for (const [host, id] of this.#idByHost) if (id === instanceId) this.#idByHost.delete(host);
  }
}
