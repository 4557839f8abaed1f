/**
 * node-oidc-provider methods Castellan replaces to spare every client-authenticating request work whose answer it
 * already has (installed from oidc/library-overrides.ts, written against oidc-provider 9.13.3). The answers are the
 * library's own; test/oidc/library-overrides-lookups.test.ts fails when an upgrade changes what they rely on.
 */
import type { Adapter, AdapterPayload, Client, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import introspectionEndpoint from 'oidc-provider/lib/actions/introspection.js';
import revocationEndpoint from 'oidc-provider/lib/actions/revocation.js';
import rejectStructuredTokens from 'oidc-provider/lib/shared/reject_structured_tokens.js';

/** The client model's adapter (lib/models/client.js `static get adapter`): @types/oidc-provider does not declare it. */
interface ClientModel {
  adapter: Adapter;
  find(id: string): Promise<Client | undefined>;
}

/**
 * 9.13.3 `Client.find` (lib/models/client.js) reads a client's metadata from its adapter, then hashes their JSON
 * (SHA-256) on every call to find the Client it built from equal metadata (an LRU of 100 per provider), building it
 * again when that hash is new. Castellan's client adapter hands out the same metadata object until its cache entry is
 * dropped, and a new one after any change in the instance (oidc/configuration.ts `clientAdapter`,
 * store/cache/instance-cache.ts): the Client the library built from an object is kept with that object, so a request
 * pays neither the JSON and its hash (1.6–4.7% of an introspecting worker's profile, bench/README.md "Introspection")
 * nor, past 100 clients, a rebuild.
 * The library builds after this reads the metadata, so what it kept is never older than the object it is kept with.
 */
function clientPerMetadataObject(provider: Provider): void {
  const Model = provider.Client as unknown as ClientModel;
  const libraryFind = Model.find.bind(Model);
  const built = new WeakMap<AdapterPayload, Client>();
  Model.find = async function findByMetadataObject(id: string) {
    const metadata = typeof id === 'string' && id ? await Model.adapter.find(id) : undefined;
    const known = metadata && built.get(metadata);
    if (known) return known;
    const client = await libraryFind(id);
    if (metadata && client) built.set(metadata, client);
    return client;
  };
}

/** The number of dot-separated parts of a value. */
function partCount(value: string): number {
  let parts = 1;
  for (let index = value.indexOf('.'); index >= 0; index = value.indexOf('.', index + 1)) parts += 1;
  return parts;
}

/**
 * 9.13.3 `rejectStructuredTokens` (lib/shared/reject_structured_tokens.js), a middleware of the introspection and
 * revocation endpoints, refuses a `token` whose JOSE protected header decodes (jose `decodeProtectedHeader`, which
 * decodes only a value of three or five dot-separated parts and throws for any other): for an opaque token, after
 * jose threw an error (with its stack trace) and the middleware caught it: 3.4–3.6% of an introspecting worker's
 * profile.
 * A token of any other number of parts goes on without that check: the answer the library would give. It is changed
 * in the endpoints' lists, which a provider composes its routes from when it is built: once, when this module loads.
 */
function decodeOnlyJoseShapedTokens(): void {
  const jwtShapedOnly = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const token: unknown = ctx.oidc.params?.token;
    const parts = typeof token === 'string' ? partCount(token) : 3;
    return parts === 3 || parts === 5 ? rejectStructuredTokens(ctx, next) : next();
  };
  for (const list of [introspectionEndpoint, revocationEndpoint]) {
    const index = list.indexOf(rejectStructuredTokens);
    if (index < 0) throw new Error('oidc-provider: an endpoint no longer rejects structured tokens');
    list[index] = jwtShapedOnly;
  }
}
decodeOnlyJoseShapedTokens();

/** Installs the replacements on one instance's provider. */
export function overrideLookups(provider: Provider): void {
  clientPerMetadataObject(provider);
}
