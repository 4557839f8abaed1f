// The load generator: a process of its own (started by bench/lib/load-client.ts) so that its CPU use is
// never counted as the server's. It takes one job at a time over IPC and answers with its measurements.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { passwordLogin, type Credentials, type Endpoints, type LoginClient } from './lib/login-flow.ts';

interface CommonJob {
  base: string;
  concurrency: number;
  seconds: number;
}

export interface HttpJob extends CommonJob {
  kind: 'http';
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** One body per request, each used once (unique writes); the run ends when they are used up. */
  bodies?: string[];
  /** Bodies sent in turn, over and over (many tokens to read, none used up). */
  bodyCycle?: string[];
  /**
   * Single-use tokens (rotating refresh tokens): one chain per connection, each request sending the
   * `field` of the previous response in place of `{token}` in `template`, starting from `initial`.
   */
  chain?: { template: string; field: string; initial: string[] };
  /** Measure every request to its end, also those still running when the time is up (slow scenarios). */
  completeInFlight?: boolean;
  /** A successful response must be 2xx and contain this text (guards against counting e.g. `active:false`). */
  expect: string;
}

export interface LoginJob extends CommonJob {
  kind: 'login';
  endpoints: Endpoints;
  client: LoginClient;
  users: Credentials[];
}

export type LoadJob = HttpJob | LoginJob;

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number; max: number };
  errorSamples: string[];
  /** What a following run of the same job continues with: bodies already used, tokens still valid. */
  bodiesUsed: number;
  chainTokens: string[];
}

const MAX_ERROR_SAMPLES = 5;

class Recorder {
  readonly histogram: RecordableHistogram = createHistogram();
  errors = 0;
  readonly samples: string[] = [];

  latency(milliseconds: number): void {
    this.histogram.record(Math.max(1, Math.round(milliseconds * 1000)));
  }

  error(description: string): void {
    this.errors += 1;
    if (this.samples.length < MAX_ERROR_SAMPLES) this.samples.push(description.replace(/\s+/g, ' ').slice(0, 300));
  }

  result(seconds: number, bodiesUsed = 0, chainTokens: string[] = []): LoadResult {
    const ms = (microseconds: number): number => Math.round(microseconds) / 1000;
    const requests = this.histogram.count;
    return {
      requests,
      errors: this.errors,
      seconds,
      requestsPerSecond: seconds > 0 ? requests / seconds : 0,
      latencyMs: requests
        ? {
            p50: ms(this.histogram.percentile(50)),
            p95: ms(this.histogram.percentile(95)),
            p99: ms(this.histogram.percentile(99)),
            mean: ms(this.histogram.mean),
            max: ms(this.histogram.max),
          }
        : { p50: 0, p95: 0, p99: 0, mean: 0, max: 0 },
      errorSamples: this.samples,
      bodiesUsed,
      chainTokens,
    };
  }
}

async function runHttp(job: HttpJob): Promise<LoadResult> {
  const recorder = new Recorder();
  const bodies = job.bodies ?? [];
  let nextBody = 0;
  const step = {
    method: job.method,
    path: job.path,
    headers: job.headers,
    ...(job.body === undefined ? {} : { body: job.body }),
    setupRequest(request: { body?: string }) {
      if (job.bodies) request.body = bodies[nextBody++];
      else if (job.bodyCycle) request.body = job.bodyCycle[nextBody++ % job.bodyCycle.length];
      return request;
    },
    onResponse(status: number, body: string) {
      if (status < 200 || status >= 300 || !body.includes(job.expect)) recorder.error(`${status} ${body}`);
    },
  };
  const instance = autocannon({
    url: job.base,
    connections: job.concurrency,
    duration: job.seconds,
    ...(job.bodies ? { maxOverallRequests: bodies.length } : {}),
    timeout: 30,
    requests: [step],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
    recorder.latency(responseTime),
  );
  instance.on('reqError', (error: Error) => recorder.error(`request error: ${error.message}`));
  const result = await instance;
  return recorder.result(result.duration, job.bodies ? nextBody : 0);
}

/**
 * `concurrency` loops, each starting its next iteration until the time is up; iterations in flight are
 * awaited, so that nothing a following run depends on (a rotated token) is lost at the end.
 */
async function closedLoops(
  job: CommonJob,
  recorder: Recorder,
  iteration: (loop: number) => Promise<void>,
): Promise<number> {
  const started = performance.now();
  const deadline = started + job.seconds * 1000;
  const loop = async (index: number): Promise<void> => {
    while (performance.now() < deadline) {
      const begin = performance.now();
      try {
        await iteration(index);
      } catch (error) {
        recorder.error((error as Error).message);
      }
      recorder.latency(performance.now() - begin);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, (_, index) => loop(index)));
  return (performance.now() - started) / 1000;
}

async function runLogins(job: LoginJob): Promise<LoadResult> {
  const recorder = new Recorder();
  let nextUser = 0;
  const seconds = await closedLoops(job, recorder, async () => {
    await passwordLogin(job.base, job.endpoints, job.client, job.users[nextUser++ % job.users.length]!);
  });
  return recorder.result(seconds);
}

/**
 * Closed loops over fetch: used for chains of single-use tokens (a chain whose token was refused ends,
 * counted as an error) and where requests may be slower than the run, which autocannon would cut off.
 */
async function runLoops(job: HttpJob): Promise<LoadResult> {
  const recorder = new Recorder();
  const { chain } = job;
  const chains: Array<string | undefined> = chain?.initial.slice(0, job.concurrency) ?? [];
  const seconds = await closedLoops(job, recorder, async (loop) => {
    let body = job.body;
    if (chain) {
      const token = chains[loop];
      if (!token) throw new Error('no valid token left in this chain');
      chains[loop] = undefined;
      body = chain.template.replace('{token}', encodeURIComponent(token));
    }
    const response = await fetch(`${job.base}${job.path}`, {
      method: job.method,
      headers: job.headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    if (!response.ok || !text.includes(job.expect)) throw new Error(`${response.status} ${text}`);
    if (!chain) return;
    const next = (JSON.parse(text) as Record<string, unknown>)[chain.field];
    if (typeof next !== 'string') throw new Error(`no ${chain.field} in ${text}`);
    chains[loop] = next;
  });
  return recorder.result(
    seconds,
    0,
    chains.filter((token): token is string => token !== undefined),
  );
}

process.on('message', (job: LoadJob) => {
  const run = job.kind === 'login' ? runLogins(job) : job.chain || job.completeInFlight ? runLoops(job) : runHttp(job);
  run.then(
    (result) => process.send?.({ result }),
    (error: unknown) => process.send?.({ failure: (error as Error).stack ?? String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
