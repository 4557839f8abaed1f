// `node --max-old-space-size=1024 --max-semi-space-size=4 --heap-growing-percent=30 bench/sandbox-threads.ts [n]`:
// what the actions sandbox's threads (src/platform/sandbox/pool.ts, at most n) cost the process that runs them, the way
// a worker runs them: the resident memory a thread adds with its first job and after 2,000 jobs of the login-action
// scenario's script (bench/lib/actions.ts), the first job's wait (a thread's start and QuickJS's plain build: what a
// job pays after the pool's idle time ended its thread), and what ending the threads gives back, over five
// start-run-end cycles (bench/README.md, "Worker memory"). Run it with MALLOC_ARENA_MAX=2, as cluster workers run
// (src/process/cluster.ts).
import { readFileSync } from 'node:fs';
import { guestInput, guestSource } from '../src/domain/actions/guest-source.ts';
import { SandboxPool, type SandboxJob } from '../src/platform/sandbox/pool.ts';
import { BENCH_ACTION_SCRIPT } from './lib/actions.ts';

const JOBS = 2_000;
const CONCURRENT = 4;
const CYCLES = 5;
const threads = Number(process.argv[2] ?? 1);

function rssMb(): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (value: number) => `${value.toFixed(1)} MB`;

const data = { v1: { user: { id: '1', username: 'bench-user' }, org: { id: 'o' }, metadata: [] } };
const job: SandboxJob = {
  source: guestSource('benchClaim', BENCH_ACTION_SCRIPT),
  input: guestInput('pre-access-token-creation', data),
  timeoutMs: 1000,
  memoryBytes: 32 * 1024 * 1024,
  allowedHosts: [],
  fetchTimeoutMs: 1000,
  outbound: { allowPrivateAddresses: false, dnsServers: [] },
};

async function runAll(pool: SandboxPool, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      while (next++ < count) {
        const outcome = await pool.run(job);
        if (!outcome.ok) throw new Error(outcome.error);
      }
    }),
  );
  return (performance.now() - started) / count;
}

await sleep(500);
const base = rssMb();
console.log(`process before any thread: ${mb(base)}; ${threads} thread(s) at most, ${CONCURRENT} jobs at once`);
for (let cycle = 1; cycle <= CYCLES; cycle++) {
  // growAfterWaitMs 0: a job that finds every thread busy starts another at once, up to `threads`.
  const pool = new SandboxPool({ maxThreads: threads, idleMs: 60_000, growAfterWaitMs: 0 });
  const started = performance.now();
  await pool.run(job);
  const firstJobMs = performance.now() - started;
  await sleep(300);
  const afterFirst = rssMb();
  const perJob = await runAll(pool, JOBS);
  await sleep(300);
  const loaded = rssMb();
  const running = pool.threads;
  await pool.close();
  await sleep(1000);
  console.log(
    `cycle ${cycle}: first job ${Math.round(firstJobMs)} ms; +${mb(afterFirst - base)} after it, ` +
      `+${mb(loaded - base)} after ${JOBS} jobs (${perJob.toFixed(2)} ms each, ${running} thread(s)); ` +
      `+${mb(rssMb() - base)} 1 s after the threads ended`,
  );
}
