import { guardedFetch } from '../outbound-fetch.ts';
import { fetchAllowed, MAX_FETCH_BODY_BYTES, type GuestFetchRequest, type SandboxJob } from './protocol.ts';

/**
 * The response's body, or null once it passes `limit` bytes (the rest is not read): this runs on the main thread,
 * where buffering a whole answer first (`arrayBuffer()`) would let any allowed host fill the process's memory.
 */
async function bodyWithin(response: Response, limit: number): Promise<Buffer | null> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = response.body?.getReader();
  for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
    length += read.value.byteLength;
    if (length > limit) {
      await reader?.cancel();
      return null;
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks);
}

/**
 * A guest's `http.fetch`, made on the main thread for the sandbox thread that runs the job (platform/sandbox/worker.mjs
 * asks and waits): the allowed hosts are checked here, and the request goes through the outbound policy
 * (platform/outbound-fetch.ts), without redirects. The answer is what the guest sees: `{status, body}` or `{error}`.
 */
export async function guestFetch(job: SandboxJob, request: GuestFetchRequest): Promise<string> {
  const { url, optionsJson, timeoutMs } = request;
  if (!fetchAllowed(url, job.allowedHosts)) return JSON.stringify({ error: `http.fetch: host not allowed: ${url}` });
  try {
    const options = JSON.parse(optionsJson || '{}') as {
      method?: string;
      headers?: Record<string, string>;
      body?: unknown;
    };
    const response = await guardedFetch(job.outbound)(url, {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === 'string'
            ? options.body
            : JSON.stringify(options.body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await bodyWithin(response, MAX_FETCH_BODY_BYTES);
    if (!body) return JSON.stringify({ error: 'http.fetch: response too large' });
    return JSON.stringify({ status: response.status, body: body.toString('utf8') });
  } catch (error) {
    return JSON.stringify({
      error: `http.fetch: ${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}`,
    });
  }
}
