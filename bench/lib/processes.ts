// The processes of a bench run: Castellan (single or cluster), the bare library, the load generator.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workerExecArgv } from '../../src/process/cluster.ts';
import { projectRoot } from '../../src/platform/config.ts';
import type { LoadJob, LoadResult } from '../load.ts';
import { childPids, commandName } from './proc.ts';
import {
  askMemoryProbes,
  MEMORY_PROBE_DIR_VARIABLE,
  MEMORY_PROBE_MODULE,
  type ProbeAnswer,
} from './memory-breakdown.ts';

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

export interface ServerProcess {
  name: string;
  url: string;
  /** The processes that serve requests: the workers of a cluster, else the process itself. */
  servingPids(): number[];
  /** Every process of the server (a cluster's primary included), for CPU accounting. */
  allPids(): number[];
  /** Lines the server wrote at error level or above (the bench reports them). */
  errorLines(): string[];
  stop(): Promise<void>;
  /** Where each serving process's memory is, now and at its peak since the last call (Castellan's: memory-probe.ts). */
  memory?(): Promise<ProbeAnswer[]>;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const forced = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(forced);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Cluster workers; not the shell guarding an embedded FerretDB. */
function nodeChildren(pid: number): number[] {
  return childPids(pid).filter((child) => commandName(child) !== 'sh');
}

/** Starts `node <script>` and resolves once a line of its output matches `ready`. */
function startNodeProcess(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  url: string,
  execArgv: string[] = [],
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...execArgv, script], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  let tail = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`${name} did not start within ${START_TIMEOUT_MS / 1000}s:\n${tail}`)),
      START_TIMEOUT_MS,
    );
    let started = false;
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onLine = (line: string): void => {
      tail = `${tail}${line}\n`.slice(-4000);
      if (/"level":(50|60)/.test(line)) errors.push(line.slice(0, 1000));
      if (!started && ready.test(line)) {
        started = true;
        clearTimeout(timer);
        resolve({
          name,
          url,
          servingPids: () => {
            const workers = nodeChildren(child.pid!);
            return workers.length ? workers : [child.pid!];
          },
          allPids: () => [child.pid!, ...nodeChildren(child.pid!)],
          errorLines: () => errors,
          stop: () => stopChild(child),
        });
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(onLine);
      });
    }
    child.once('exit', (code) => {
      if (!started) fail(new Error(`${name} exited with code ${code} before it was ready:\n${tail}`));
    });
  });
}

export interface CastellanOptions {
  port: number;
  mongodbUri: string;
  dataDir: string;
  masterKey: string;
  workers: number;
  /** Write a V8 CPU profile per process into this folder (on exit). */
  profileDir?: string | null;
  /** More environment variables (settings) for the server. */
  env?: Record<string, string>;
  /** More modules for the server's processes to load first (`node --import`), e.g. bench/lib/memory-storage.mjs. */
  imports?: string[];
}

export function issuerFor(port: number): string {
  return `http://localhost:${port}`;
}

export async function startCastellan(options: CastellanOptions): Promise<ServerProcess> {
  const url = issuerFor(options.port);
  const probeDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-memory-probe-'));
  // The management API scenarios measure throughput, not the throttle: one caller makes thousands of requests a second,
  // far past the default 1,200 a minute (config/default.json), so the bench's Castellan lifts that limit (0: none), as
  // an operator would for a trusted integration.
  const configFile = path.join(probeDir, 'bench-config.json');
  writeFileSync(configFile, JSON.stringify({ rateLimits: { apiRequestsPerCaller: { max: 0, windowSeconds: 60 } } }));
  const nodeOptions = [
    process.env.NODE_OPTIONS ?? '',
    `--import=${MEMORY_PROBE_MODULE}`,
    ...(options.imports ?? []).map((module) => `--import=${module}`),
    ...(options.profileDir ? [`--cpu-prof --cpu-prof-dir=${options.profileDir}`] : []),
  ];
  const server = await startNodeProcess(
    `castellan (${options.workers} worker${options.workers > 1 ? 's' : ''})`,
    'src/main.ts',
    {
      PORT: String(options.port),
      PUBLIC_URL: url,
      MONGODB_URI: options.mongodbUri,
      DATA_DIR: options.dataDir,
      CASTELLAN_MASTER_KEY: options.masterKey,
      CASTELLAN_DEMO: 'false',
      CASTELLAN_CONFIG: configFile,
      WORKERS: String(options.workers),
      LOG_LEVEL: 'info',
      // The outbox is polled every 10 minutes: the password-reset scenario measures enqueueing, not delivery.
      EMAIL_OUTBOX_POLL_MS: '600000',
      // The login-idp scenario's upstream IdP listens on loopback (platform/outbound-fetch.ts refuses it by default).
      OUTBOUND_PRIVATE_ADDRESSES: 'true',
      NODE_OPTIONS: nodeOptions.join(' ').trim(),
      [MEMORY_PROBE_DIR_VARIABLE]: probeDir,
      ...options.env,
    },
    /Castellan is listening/,
    url,
    // As `npm start` and cluster workers run.
    workerExecArgv(),
  );
  return {
    ...server,
    memory: () => askMemoryProbes(probeDir, server.servingPids()),
    stop: () => server.stop().finally(() => rmSync(probeDir, { recursive: true, force: true })),
  };
}

export function startBareProvider(port: number): Promise<ServerProcess> {
  const url = issuerFor(port);
  return startNodeProcess(
    'bare node-oidc-provider',
    path.join('bench', 'bare-provider.ts'),
    { PORT: String(port), PUBLIC_URL: url },
    /bare provider listening/,
    url,
  );
}

export class LoadGenerator {
  readonly #child: ChildProcess;

  constructor() {
    this.#child = spawn(process.execPath, [path.join(projectRoot, 'bench', 'load.ts')], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  run(job: LoadJob): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`the load generator exited (code ${code})`));
      this.#child.once('exit', onExit);
      this.#child.once('message', (message: { result?: LoadResult; failure?: string }) => {
        this.#child.off('exit', onExit);
        if (message.result) resolve(message.result);
        else reject(new Error(`load generator: ${message.failure}`));
      });
      this.#child.send(job);
    });
  }

  close(): Promise<void> {
    this.#child.disconnect();
    return new Promise((resolve) =>
      this.#child.exitCode !== null ? resolve() : this.#child.once('exit', () => resolve()),
    );
  }
}
