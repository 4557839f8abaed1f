// One measurement: probe (is the feature there?), warm up, then a bounded load while the server's CPU
// time and resident memory are read from /proc.
import type { HttpJob, LoadJob, LoadResult } from '../load.ts';
import { passwordLogin } from './login-flow.ts';
import type { LoadGenerator, ServerProcess } from './processes.ts';
import { cpuSeconds, RssSampler } from './proc.ts';
import type { ProbeAnswer } from './memory-breakdown.ts';

export interface Measurement {
  requests: number;
  requestsPerSecond: number;
  latencyMs: LoadResult['latencyMs'];
  errors: number;
  errorSamples: string[];
  /** Server CPU (every process of it) per request, in milliseconds. */
  serverCpuMsPerRequest: number;
  /** The database process's CPU per request (0 when the database is not a local process we started). */
  databaseCpuMsPerRequest: number;
  /** Peak resident memory of each serving process during the load, in MB. */
  peakRssMb: number[];
  /** Where each serving process's memory was at its peak during the load (when the server has a memory probe). */
  peakMemory?: ProbeAnswer[];
}

export type Outcome = { measurement: Measurement } | { missing: string };

export interface Timing {
  warmupSeconds: number;
  seconds: number;
}

/** One real request of the job; consumes the first single-use body or token as the load would. */
async function probe(job: LoadJob): Promise<string | null> {
  if (job.kind === 'login') {
    try {
      await passwordLogin(job.base, job.endpoints, job.client, job.users[0]!);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }
  let body = job.body;
  if (job.bodies) body = job.bodies.shift();
  if (job.bodyCycle) body = job.bodyCycle[0];
  const token = job.chain?.initial.shift();
  if (job.chain) body = job.chain.template.replace('{token}', encodeURIComponent(token ?? ''));
  const response = await fetch(`${job.base}${job.path}`, {
    method: job.method,
    headers: job.headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  if (!response.ok || !text.includes(job.expect))
    return `${job.method} ${job.path} → ${response.status} ${text.replace(/\s+/g, ' ').slice(0, 240)}`;
  if (job.chain) {
    const next = (JSON.parse(text) as Record<string, unknown>)[job.chain.field];
    if (typeof next !== 'string') return `no ${job.chain.field} in the response`;
    job.chain.initial.push(next);
  }
  return null;
}

function continuing(job: LoadJob, previous: LoadResult, seconds: number): LoadJob {
  if (job.kind === 'login') return { ...job, seconds };
  const next: HttpJob = { ...job, seconds };
  if (job.bodies) next.bodies = job.bodies.slice(previous.bodiesUsed);
  if (job.chain) next.chain = { ...job.chain, initial: previous.chainTokens };
  return next;
}

export interface MeasureOptions {
  server: ServerProcess;
  load: LoadGenerator;
  databasePid: number | null;
  timing: Timing;
}

/**
 * Runs `job` against `server`: a probe request, a warm-up of the same load, then the measured load.
 * A failing probe means the feature is not there (yet): no figure is made up for it.
 * `after` receives the job as the measured run left it (e.g. refresh tokens still valid).
 */
export async function measure(
  options: MeasureOptions,
  probed: LoadJob,
  after?: (job: LoadJob) => void,
): Promise<Outcome> {
  const problem = await probe(probed);
  if (problem) return { missing: problem };
  // The probe's user sits the load out: the TOTP steps its login used are known to this process only, and the load
  // generator would use them again (refused as replays).
  const job = probed.kind === 'login' && probed.users.length > 1 ? { ...probed, users: probed.users.slice(1) } : probed;
  const { server, load, databasePid, timing } = options;
  const measured =
    timing.warmupSeconds > 0
      ? continuing(job, await load.run({ ...job, seconds: timing.warmupSeconds }), timing.seconds)
      : { ...job, seconds: timing.seconds };
  // Asking also starts the probes' peak afresh: what the answer after the load gives is this load's.
  await server.memory?.();
  const pids = server.allPids();
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const databaseBefore = databasePid ? cpuSeconds(databasePid) : 0;
  const sampler = new RssSampler(server.servingPids());
  const result = await load.run(measured);
  const peaks = sampler.stop();
  const cpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore;
  const databaseCpu = databasePid ? cpuSeconds(databasePid) - databaseBefore : 0;
  const peakMemory = await server.memory?.();
  after?.(continuing(measured, result, timing.seconds));
  const perRequest = (seconds: number): number => (result.requests ? (seconds * 1000) / result.requests : 0);
  return {
    measurement: {
      requests: result.requests,
      requestsPerSecond: result.requestsPerSecond,
      latencyMs: result.latencyMs,
      errors: result.errors,
      // Drained, so that each scenario reports the server errors logged during its own run.
      errorSamples: [...result.errorSamples, ...server.errorLines().splice(0)].slice(0, 8),
      serverCpuMsPerRequest: perRequest(cpu),
      databaseCpuMsPerRequest: perRequest(databaseCpu),
      peakRssMb: [...peaks.values()].map((mb) => Math.round(mb)),
      ...(peakMemory ? { peakMemory } : {}),
    },
  };
}
