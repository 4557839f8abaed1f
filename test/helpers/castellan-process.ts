import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, projectRoot } from '../../src/platform/config.ts';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { ferretdbCacheDir } from '../../tools/ferretdb/build.ts';

/** The FerretDB binary the suite uses (built once by scripts/run-tests.ts), or '' when it runs on MONGODB_URI. */
export const ferretdbBin =
  process.env.CASTELLAN_FERRETDB_BIN || path.join(ferretdbCacheDir(loadConfig({}).ferretdb.version), 'ferretdb');

export const BOOTSTRAP_CLIENT = { id: 'outage-robot', secret: 'Outage-Robot-Secret-0123456789' };

export interface CastellanProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** `node src/main.ts` as a real process: the embedded FerretDB unless `MONGODB_URI` is given in `env`. */
export async function startCastellanProcess(dataDir: string, env: Record<string, string>): Promise<CastellanProcess> {
  const port = await freeLoopbackPort();
  const base: NodeJS.ProcessEnv = { ...process.env };
  delete base.MONGODB_URI;
  delete base.CASTELLAN_TEST_MONGODB_URI;
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: projectRoot,
    env: {
      ...base,
      PORT: String(port),
      DATA_DIR: dataDir,
      FERRETDB_BIN: ferretdbBin,
      LOG_LEVEL: 'info',
      CASTELLAN_DEMO: 'false',
      CASTELLAN_BOOTSTRAP_CLIENT_ID: BOOTSTRAP_CLIENT.id,
      CASTELLAN_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP_CLIENT.secret,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Polls /readyz until 200; the milliseconds it took. */
export async function waitUntilReady(started: CastellanProcess, timeoutMs = 60_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (started.child.exitCode !== null) assert.fail(`Castellan exited:\n${started.output()}`);
    const response = await fetch(`${started.url}/readyz`, { signal: AbortSignal.timeout(3_000) }).catch(() => null);
    if (response?.status === 200) return Date.now() - start;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return assert.fail(`Castellan was not ready within ${timeoutMs} ms:\n${started.output().slice(-3000)}`);
}

/** The pids of the FerretDB binaries (not their guardian shells) serving the data folder. */
export function ferretdbPids(dataDir: string): number[] {
  const found = spawnSync('pgrep', ['-f', `${dataDir}/ferretdb`], { encoding: 'utf8' }).stdout.trim();
  return found
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ferretdb';
      } catch {
        return false;
      }
    });
}

/** The arguments a process was started with. */
export function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

export interface Timed<T> {
  status: number;
  ms: number;
  body: T;
}

/** A request that may not hang: it is aborted (status 0) after `limitMs`. */
export async function timedFetch<T = Record<string, unknown>>(
  url: string,
  init: RequestInit = {},
  limitMs = 15_000,
): Promise<Timed<T>> {
  const start = Date.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(limitMs) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // an HTML page
    }
    return { status: response.status, ms: Date.now() - start, body: body as T };
  } catch {
    return { status: 0, ms: Date.now() - start, body: undefined as T };
  }
}

const API_AUDIENCE_SCOPE = 'urn:zitadel:iam:org:project:id:zitadel:aud';

/** A client_credentials request of the bootstrap machine user, for the management API. */
export function tokenRequest(url: string): Promise<Timed<{ access_token?: string; error?: string }>> {
  const basic = Buffer.from(`${BOOTSTRAP_CLIENT.id}:${BOOTSTRAP_CLIENT.secret}`).toString('base64');
  return timedFetch(`${url}/oauth/v2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: API_AUDIENCE_SCOPE }).toString(),
  });
}

/** Creates an org through the management API (a write acknowledged by 201). */
export function createOrg(url: string, token: string, name: string): Promise<Timed<{ id?: string }>> {
  return timedFetch(`${url}/api/v1/orgs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
}
