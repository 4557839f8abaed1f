// The sandbox's thread pool (src/platform/sandbox/pool.ts) keeps as few threads as its work needs: one while scripts
// are quick, a second only when a job waits behind a slow script, none once idle (each thread holds a V8 isolate and
// QuickJS's WebAssembly memory: bench/README.md, "Worker memory").
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SandboxPool, type SandboxJob } from '../../src/platform/sandbox/pool.ts';

const job = (source: string, timeoutMs = 1000): SandboxJob => ({
  source,
  input: null,
  timeoutMs,
  memoryBytes: 16 * 1024 * 1024,
  allowedHosts: [],
  fetchTimeoutMs: 1000,
  outbound: { allowPrivateAddresses: false, dnsServers: [] },
});
const quick = job('__record("done", "[]")');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pools: SandboxPool[] = [];
function pool(options: ConstructorParameters<typeof SandboxPool>[0]): SandboxPool {
  const created = new SandboxPool(options);
  pools.push(created);
  return created;
}
after(() => Promise.all(pools.map((each) => each.close())));

describe('sandbox threads', () => {
  it('quick jobs, however many at once, share one thread', async () => {
    // Patient enough for a loaded machine, where the lowest-priority thread may wait a while for a core.
    const sandbox = pool({ maxThreads: 2, idleMs: 60_000, growAfterWaitMs: 3000 });
    const outcomes = await Promise.all(Array.from({ length: 40 }, () => sandbox.run(quick)));
    assert.ok(outcomes.every((outcome) => outcome.ok));
    assert.equal(sandbox.threads, 1);
  });

  it('a job waiting behind a slow script gets a second thread, up to the maximum', async () => {
    const sandbox = pool({ maxThreads: 2, idleMs: 60_000, growAfterWaitMs: 100 });
    await sandbox.run(quick);
    const slow = sandbox.run(job('while (true) {}', 5000));
    const started = performance.now();
    const waiting = await sandbox.run(quick);
    const waited = performance.now() - started;
    assert.ok(waiting.ok);
    assert.ok(waited < 4500, `answered after ${Math.round(waited)} ms, before the slow script's timeout`);
    assert.equal(sandbox.threads, 2);
    assert.match(((await slow) as { error: string }).error, /interrupted|timed out/);
  });

  it('one thread at most: jobs wait their turn', async () => {
    const sandbox = pool({ maxThreads: 1, idleMs: 60_000 });
    const slow = sandbox.run(job('while (true) {}', 500));
    const next = await sandbox.run(quick);
    assert.ok(next.ok);
    assert.equal(sandbox.threads, 1);
    assert.equal((await slow).ok, false);
  });

  it('idle threads end, and the next job starts one again', async () => {
    const sandbox = pool({ maxThreads: 2, idleMs: 200 });
    assert.ok((await sandbox.run(quick)).ok);
    assert.equal(sandbox.threads, 1);
    await sleep(1000);
    assert.equal(sandbox.threads, 0);
    assert.ok((await sandbox.run(quick)).ok);
    assert.equal(sandbox.threads, 1);
  });
});
