import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { workerExecArgv } from '../../src/process/cluster.ts';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { MasterKey } from '../../src/platform/crypto.ts';
import { startCastellan } from '../../bench/lib/processes.ts';
import { cpuSeconds } from '../../bench/lib/proc.ts';
import { freshDatabaseUri } from '../helpers/database.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-cluster-test-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting until ${what}`);
}

it('WORKERS=2 serves from two worker processes sharing keys, replaces a dead worker and stops them all', async () => {
  const server = await startCastellan({
    port: await freeLoopbackPort(),
    workers: 2,
    mongodbUri: freshDatabaseUri(),
    dataDir,
    masterKey: MasterKey.generate().toBase64url(),
  });
  let stopped = false;
  try {
    const workers = server.servingPids();
    assert.equal(workers.length, 2);
    const jwks = await Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(`${server.url}/oauth/v2/keys`).then(
          (response) => response.json() as Promise<{ keys: Array<{ kid: string }> }>,
        ),
      ),
    );
    // Every answer carries the same key set: the workers share the signing keys in the database.
    assert.equal(new Set(jwks.map((set) => set.keys.map((key) => key.kid).join(','))).size, 1);
    assert.ok(workers.every((pid) => cpuSeconds(pid) > 0));
    // Workers start with the malloc and libuv settings of process/cluster.ts.
    for (const pid of workers) {
      const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      assert.ok(environment.includes('MALLOC_ARENA_MAX=2') && environment.includes('UV_THREADPOOL_SIZE=2'));
    }
    // The bench's memory probe answers for each worker (bench/lib/memory-probe.ts).
    const memory = await server.memory!();
    assert.deepEqual(memory.map((answer) => answer.pid).sort(), [...workers].sort());
    assert.ok(memory.every(({ now, peak }) => now.heapResident > 0 && now.rss <= peak.rss && now.files > 0));

    process.kill(workers[0]!, 'SIGKILL');
    await until(
      () => server.servingPids().length === 2 && !server.servingPids().includes(workers[0]!),
      'a replacement worker runs',
    );
    await until(
      async () => (await fetch(`${server.url}/readyz`).catch(() => null))?.status === 200,
      'the cluster answers again',
    );
    assert.match(server.errorLines().join('\n'), /worker died; starting a replacement/);

    const current = server.servingPids();
    await server.stop();
    stopped = true;
    assert.ok(
      current.every((pid) => !alive(pid)),
      'no worker survives the primary',
    );
  } finally {
    if (!stopped) await server.stop();
  }
});

it("adds the workers' memory flags the operator did not set, and never after the operator's own", () => {
  assert.deepEqual(workerExecArgv(['--enable-source-maps'], ''), [
    '--enable-source-maps',
    '--max-old-space-size=1024',
    '--max-semi-space-size=4',
    '--heap-growing-percent=30',
  ]);
  assert.deepEqual(workerExecArgv(['--max_old_space_size=4096', '--heap-growing-percent=50'], ''), [
    '--max_old_space_size=4096',
    '--heap-growing-percent=50',
    '--max-semi-space-size=4',
  ]);
  assert.deepEqual(workerExecArgv([], '--max-semi-space-size=16  --max-old-space-size=2048'), [
    '--heap-growing-percent=30',
  ]);
});
