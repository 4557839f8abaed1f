import { Resolver } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';

/**
 * The network side of proving a domain (ZITADEL's internal/api/http/domain_check.go): an HTTP GET of a well-known
 * file, or a TXT look-up. `dnsServers` (host:port; null: the system's) answer both the TXT look-up and, for the
 * HTTP check, the domain's address, so a test points everything at a DNS server on loopback.
 */
export interface ChallengeNetwork {
  dnsServers: string[] | null;
  httpScheme: 'https' | 'http';
  httpPort: number | null;
  timeoutMs: number;
}

function resolverFor(network: ChallengeNetwork): Resolver {
  const resolver = new Resolver({ timeout: network.timeoutMs, tries: 2 });
  if (network.dnsServers) resolver.setServers(network.dnsServers);
  return resolver;
}

/** The TXT strings at `name` (each record's chunks joined); empty when there are none. */
export async function lookupTxt(network: ChallengeNetwork, name: string): Promise<string[]> {
  try {
    return (await resolverFor(network).resolveTxt(name)).map((chunks) => chunks.join(''));
  } catch (error) {
    if (['ENOTFOUND', 'ENODATA'].includes((error as NodeJS.ErrnoException).code ?? '')) return [];
    throw error;
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** http.request's `lookup` through the configured resolver (IPv4, then IPv6). */
function lookupThrough(resolver: Resolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolver
      .resolve4(hostname)
      .then((v4) => (v4.length ? { addresses: v4, family: 4 } : null))
      .catch(() => null)
      .then(async (found) => found ?? { addresses: await resolver.resolve6(hostname), family: 6 })
      .then(
        ({ addresses, family }) =>
          options.all
            ? callback(
                null,
                addresses.map((address) => ({ address, family })),
              )
            : callback(null, addresses[0]!, family),
        (error: NodeJS.ErrnoException) => callback(error, ''),
      );
  };
}

export interface FetchedChallenge {
  status: number;
  body: string;
}

const MAX_BODY_BYTES = 4096;
const MAX_REDIRECTS = 3;

/**
 * GETs `https://{domain}{path}` (scheme and port per `network`), following redirects only to the same host (a
 * redirect elsewhere fails the check: the proof must come from the domain itself), within `timeoutMs` in all.
 */
export async function fetchChallenge(
  network: ChallengeNetwork,
  domain: string,
  path: string,
): Promise<FetchedChallenge> {
  const lookup = network.dnsServers ? lookupThrough(resolverFor(network)) : undefined;
  const deadline = Date.now() + network.timeoutMs;
  let url = new URL(`${network.httpScheme}://${domain}${network.httpPort ? `:${network.httpPort}` : ''}${path}`);
  for (let redirects = 0; ; redirects++) {
    const answer = await getOnce(url, lookup, Math.max(1, deadline - Date.now()));
    if (answer.location === null) return answer;
    const next = new URL(answer.location, url);
    if (next.host !== url.host || redirects >= MAX_REDIRECTS)
      throw new Error(`redirected to ${next.host} instead of serving the file`);
    url = next;
  }
}

function getOnce(
  url: URL,
  lookup: ReturnType<typeof lookupThrough> | undefined,
  timeoutMs: number,
): Promise<FetchedChallenge & { location: string | null }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    // A deadline, not only `timeout` (which fires on an idle socket): a server trickling header bytes is never idle.
    const signal = AbortSignal.timeout(timeoutMs);
    const options = { lookup, timeout: timeoutMs, signal, headers: { accept: 'text/plain' } };
    const request = client.get(url, options, (response) => {
      const status = response.statusCode ?? 0;
      const location = status >= 300 && status < 400 ? (response.headers.location ?? null) : null;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) request.destroy(new Error('the challenge file is too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8'), location }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => reject(signal.aborted ? new Error(`no answer within ${timeoutMs} ms`) : error));
  });
}
