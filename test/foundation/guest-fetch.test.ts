// The guest's `http.fetch` (src/platform/sandbox/guest-fetch.ts) runs on the main thread: a host allowed by the action
// that answers without end must not fill the process's memory. A real HTTP server on loopback streams the answers.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { guestFetch } from '../../src/platform/sandbox/guest-fetch.ts';
import { MAX_FETCH_BODY_BYTES, type SandboxJob } from '../../src/platform/sandbox/protocol.ts';

let server: Server;
let host: string;
let endlessChunksSent = 0;
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/small') return res.end('hello');
    // Writes 64 KiB chunks until the client goes away.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const write = () => {
      while (!res.destroyed && res.write(chunk)) endlessChunksSent += 1;
      if (!res.destroyed) res.once('drain', write);
    };
    write();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const job = (): SandboxJob => ({
  source: '',
  input: null,
  timeoutMs: 5000,
  memoryBytes: 16 * 2 ** 20,
  allowedHosts: [host],
  fetchTimeoutMs: 5000,
  outbound: { allowPrivateAddresses: true, dnsServers: [] },
});
const fetchOf = (path: string) =>
  guestFetch(job(), { url: `http://${host}${path}`, optionsJson: '{}', timeoutMs: 5000 }).then(
    (answer) => JSON.parse(answer) as { status?: number; body?: string; error?: string },
  );

describe("a guest's fetch", () => {
  it('answers with the status and body', async () => {
    assert.deepEqual(await fetchOf('/small'), { status: 200, body: 'hello' });
  });

  it('stops reading an answer past the limit and says it was too large', async () => {
    assert.deepEqual(await fetchOf('/endless'), { error: 'http.fetch: response too large' });
    const readAtMost = MAX_FETCH_BODY_BYTES + 64 * 1024 * 64; // the limit plus what sockets buffer meanwhile
    assert.ok(endlessChunksSent * 64 * 1024 < readAtMost * 4, `${endlessChunksSent} chunks were sent`);
  });

  it('refuses a host the action does not allow', async () => {
    const answer = await guestFetch(job(), { url: 'http://example.test/', optionsJson: '{}', timeoutMs: 1000 });
    assert.match(answer, /host not allowed/);
  });
});
