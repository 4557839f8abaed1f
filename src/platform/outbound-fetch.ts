import { lookup as systemLookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { Config } from './config.ts';
import { isSpecialUseAddress } from './outbound-address.ts';

/**
 * The one way Castellan reaches a URL someone else configured: action `http.fetch`, action targets, change webhooks,
 * an IdP's discovery, JWKS, token and userinfo endpoints, SAML metadata. Private, loopback, link-local and cloud
 * metadata addresses (platform/outbound-address.ts) are refused unless `allowPrivateAddresses`
 * (`OUTBOUND_PRIVATE_ADDRESSES`), and a name is resolved once per connection: the connection goes to the very address
 * that was checked (the dispatcher's `connect.lookup` answers only vetted addresses), so a name whose records change
 * between a check and the connection (DNS rebinding) cannot lead it elsewhere. TLS still verifies the host name (undici
 * sets the servername from the URL, not from the address). Redirects are followed here, hop by hop, each checked.
 */
export interface OutboundPolicy {
  allowPrivateAddresses: boolean;
  /** `host:port` of the DNS servers to ask; empty: the system's resolver (getaddrinfo, /etc/hosts included). */
  dnsServers: readonly string[];
}

export type OutboundFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Thrown (as fetch's TypeError cause would be) when the host is or resolves to a refused address. */
export class OutboundAddressRefused extends Error {
  constructor(host: string, address: string) {
    super(`${host} is a private or special-use address${host === address ? '' : ` (${address})`}`);
    this.name = 'OutboundAddressRefused';
  }
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

async function resolveAll(resolver: Resolver | null, host: string): Promise<string[]> {
  if (!resolver) return (await systemLookup(host, { all: true })).map((entry) => entry.address);
  const answers = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses = answers.flatMap((answer) => (answer.status === 'fulfilled' ? answer.value : []));
  if (addresses.length > 0) return addresses;
  const failure = answers.find((answer) => answer.status === 'rejected');
  throw failure?.reason ?? new Error(`${host} has no address`);
}

function vetted(policy: OutboundPolicy, host: string, addresses: string[]): string[] {
  if (!policy.allowPrivateAddresses) {
    const refused = addresses.find(isSpecialUseAddress);
    if (refused) throw new OutboundAddressRefused(host, refused);
  }
  return addresses;
}

/** net.connect's `lookup` (called with `all: true` when it races families, RFC 8305), answering vetted addresses. */
function vettingLookup(policy: OutboundPolicy): LookupFunction {
  const resolver = policy.dnsServers.length > 0 ? new Resolver({ timeout: 5_000, tries: 2 }) : null;
  resolver?.setServers([...policy.dnsServers]);
  return (host, options, callback) => {
    resolveAll(resolver, host)
      .then((addresses) => {
        const wanted = vetted(policy, host, addresses).filter(
          (address) => !options.family || isIP(address) === options.family,
        );
        if (wanted.length === 0) throw new Error(`${host} has no IPv${options.family} address`);
        const entries = wanted.map((address) => ({ address, family: isIP(address) }));
        if (options.all) callback(null, entries);
        else callback(null, entries[0]!.address, entries[0]!.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, ''));
  };
}

interface Dispatcher {
  close(): Promise<void>;
}
type AgentConstructor = new (options: { connect: { lookup: LookupFunction } }) => Dispatcher;

/**
 * Node's own undici Agent (the class of the global dispatcher, as node-oidc-provider's lib/helpers/fetch_request.js
 * finds it): no undici package to install, and the dispatcher fits Node's fetch.
 */
function agentConstructor(): AgentConstructor {
  void Response; // loads Node's undici, which registers its global dispatcher
  const global = globalThis as Record<symbol, { constructor: AgentConstructor } | undefined>;
  const dispatcher = global[Symbol.for('undici.globalDispatcher.2')] ?? global[Symbol.for('undici.globalDispatcher.1')];
  if (!dispatcher) throw new Error("this Node has no undici global dispatcher: outbound requests can't be guarded");
  return dispatcher.constructor;
}

const dispatchers = new Map<string, Dispatcher>();

function dispatcherFor(policy: OutboundPolicy): Dispatcher {
  const key = JSON.stringify([policy.allowPrivateAddresses, policy.dnsServers]);
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    dispatcher = new (agentConstructor())({ connect: { lookup: vettingLookup(policy) } });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/** An IP literal is connected to without any lookup: it is checked here, on every hop. */
function checkUrl(policy: OutboundPolicy, url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`cannot fetch ${url.protocol} URLs`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) vetted(policy, host, [host]);
}

/**
 * What the next hop sends (the Fetch standard's HTTP-redirect fetch, steps 12-13): a GET without body after a 303, or
 * after a 301/302 to a POST; no `authorization` header to another origin.
 */
function redirectedInit(status: number, init: RequestInit, from: URL, to: URL): RequestInit {
  const method = (init.method ?? 'GET').toUpperCase();
  const toGet = status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST';
  const { body, ...rest } = init;
  const next: RequestInit = toGet ? { ...rest, method: 'GET' } : { ...rest, body };
  if (from.origin !== to.origin) {
    const headers = new Headers(init.headers);
    headers.delete('authorization');
    next.headers = headers;
  }
  return next;
}

/** A fetch under `policy`; `redirect: 'manual'` and `'error'` are honoured, `'follow'` (the default) re-checks hops. */
export function guardedFetch(policy: OutboundPolicy): OutboundFetch {
  return async (input, init = {}) => {
    const follow = (init.redirect ?? 'follow') === 'follow';
    let url = new URL(input);
    let hopInit: RequestInit = { ...init, redirect: follow ? 'manual' : init.redirect };
    for (let hop = 0; ; hop++) {
      checkUrl(policy, url);
      const response = await fetch(url, { ...hopInit, dispatcher: dispatcherFor(policy) } as RequestInit).catch(
        (error: unknown) => {
          // fetch reports any connection failure as "fetch failed"; a refusal is worth its own message.
          throw (error as Error).cause instanceof OutboundAddressRefused ? (error as Error).cause : error;
        },
      );
      const location = response.headers.get('location');
      if (!follow || !REDIRECT_STATUSES.has(response.status) || !location) return response;
      await response.body?.cancel();
      if (hop === MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      hopInit = redirectedInit(response.status, hopInit, url, next);
      url = next;
    }
  };
}

export function outboundPolicyOf(
  config: Pick<Config, 'outboundPrivateAddresses' | 'outboundDnsServers'>,
): OutboundPolicy {
  return { allowPrivateAddresses: config.outboundPrivateAddresses, dnsServers: config.outboundDnsServers ?? [] };
}

let processPolicy: OutboundPolicy = { allowPrivateAddresses: false, dnsServers: [] };

/** The policy of this process's outbound requests, from its configuration (process/server.ts). */
export function setOutboundPolicy(policy: OutboundPolicy): void {
  processPolicy = policy;
}

export function outboundPolicy(): OutboundPolicy {
  return processPolicy;
}

/** A fetch under this process's policy: what domain code calls to reach a configured URL. */
export const outboundFetch: OutboundFetch = (input, init) => guardedFetch(processPolicy)(input, init);
