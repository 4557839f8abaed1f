// What one sandbox thread (src/platform/sandbox/worker.mjs) holds: its process pays for each of its modules per
// thread, so it loads no TypeScript (Node's loader would add about 12 MB) and QuickJS's asyncify build only for a job
// that may fetch (bench/README.md, "Worker memory"). The guest's fetch is made by the main thread
// (test/actions/targets-and-api.test.ts runs actions that fetch through the pool).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { SandboxJob, WorkerReply, WorkerRequest } from '../../src/platform/sandbox/protocol.ts';

const MB = 2 ** 20;
const job = (source: string, allowedHosts: string[] = []): SandboxJob => ({
  source,
  input: null,
  timeoutMs: 5000,
  memoryBytes: 16 * MB,
  allowedHosts,
  fetchTimeoutMs: 1000,
  outbound: { allowPrivateAddresses: false, dnsServers: [] },
});

// Type stripping off in the thread: importing any .ts module would fail its start.
const thread = new Worker(new URL('../../src/platform/sandbox/worker.mjs', import.meta.url), {
  execArgv: ['--no-experimental-strip-types'],
});
const replies: WorkerReply[] = [];
thread.on('message', (reply: WorkerReply) => replies.push(reply));
after(() => thread.terminate());

async function nextReply(): Promise<WorkerReply> {
  while (!replies.length) await once(thread, 'message');
  return replies.shift()!;
}
const send = (request: WorkerRequest) => thread.postMessage(request);
const wasmMemoryMb = async () => (await thread.getHeapStatistics()).external_memory / MB;

describe('a sandbox thread', () => {
  it('starts and runs a job without the TypeScript loader, with one QuickJS build', async () => {
    assert.deepEqual(await nextReply(), { ready: true });
    send({ id: 1, job: job('__record("done", "[1]")') });
    assert.deepEqual(await nextReply(), { id: 1, outcome: { ok: true, operations: [{ name: 'done', args: [1] }] } });
    // Each build reserves a 16 MB WebAssembly memory, counted as the isolate's external memory.
    const plainOnly = await wasmMemoryMb();
    assert.ok(plainOnly < 32, `external memory ${plainOnly.toFixed(1)} MB after a job that may not fetch`);
  });

  it('loads the asyncify build for a job that may fetch, and asks the main thread to make the fetch', async () => {
    const before = await wasmMemoryMb();
    send({ id: 2, job: job('__record("got", JSON.stringify([__fetch("https://example.test/a", "{}")]))', ['x.test']) });
    const asked = await nextReply();
    assert.ok('fetch' in asked, 'the thread asks for the fetch');
    assert.equal(asked.id, 2);
    assert.equal(asked.fetch.url, 'https://example.test/a');
    assert.ok(asked.fetch.timeoutMs > 0 && asked.fetch.timeoutMs <= 1000);
    send({ id: 2, fetched: JSON.stringify({ status: 200, body: 'hello' }) });
    const answered = await nextReply();
    assert.deepEqual(answered, {
      id: 2,
      outcome: { ok: true, operations: [{ name: 'got', args: [JSON.stringify({ status: 200, body: 'hello' })] }] },
    });
    assert.ok((await wasmMemoryMb()) >= before + 15, 'the asyncify build brought its own WebAssembly memory');
  });
});
