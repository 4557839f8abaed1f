import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { projectRoot } from '../../src/platform/config.ts';
import type { Report } from '../../bench/lib/report.ts';
import { testDatabaseServer } from '../helpers/database.ts';

const outDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-bench-test-'));
after(() => rmSync(outDir, { recursive: true, force: true }));

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bench/run.ts', ...args], {
    cwd: projectRoot,
    env: { ...process.env, MONGODB_URI: testDatabaseServer() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

it('runs one scenario against Castellan (2 workers) and the bare library, and reports it as a table and JSON', async () => {
  const out = path.join(outDir, 'result.json');
  const { code, stdout, stderr } = await runBench([
    '--only=discovery',
    '--seconds=1',
    '--warmup=0.5',
    '--concurrency=4',
    '--no-growth',
    '--no-cluster',
    `--out=${out}`,
  ]);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  assert.equal(report.concurrency, 4);
  assert.deepEqual(
    report.scenarios.map((row) => row.id),
    ['discovery'],
  );
  const [row] = report.scenarios;
  for (const outcome of [row!.castellan, row!.bare]) {
    assert.ok(outcome && 'measurement' in outcome, JSON.stringify(outcome));
    const { measurement } = outcome;
    assert.equal(measurement.errors, 0, measurement.errorSamples.join('\n'));
    assert.ok(measurement.requests > 0 && measurement.requestsPerSecond > 0);
    assert.ok(
      measurement.latencyMs.p50 > 0 &&
        measurement.latencyMs.p50 <= measurement.latencyMs.p95 &&
        measurement.latencyMs.p95 <= measurement.latencyMs.p99,
    );
    assert.ok(measurement.serverCpuMsPerRequest > 0, 'server CPU is read from /proc');
  }
  const castellan = row!.castellan;
  assert.ok('measurement' in castellan);
  assert.equal(castellan.measurement.peakRssMb.length, 2, 'one peak per worker');
  assert.equal(report.memory.length, 2);
  for (const worker of report.memory) assert.ok(worker.warmRssMb > 0 && worker.peakRssMb > 0 && worker.afterRssMb > 0);
  assert.match(stdout, /\| discovery document \(framework floor\)\s+\|\s+[\d,]+ \|/);
  assert.match(stdout, /Targets:/);
});
