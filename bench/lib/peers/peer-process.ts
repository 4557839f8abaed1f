// What the peers (Keycloak, Ory Hydra) share: their cache folder, running a build or download step, starting a
// server in a process group of its own, waiting for it to answer, and stopping exactly the processes started here,
// also when the bench fails or is interrupted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childPids } from '../proc.ts';
import type { ServerProcess } from '../processes.ts';

/** Downloads and builds live here between runs (XDG Base Directory: $XDG_CACHE_HOME, else ~/.cache). */
export function peersCacheDir(): string {
  const root = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(root, 'castellan-peers');
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  return dir;
}

/** A peer that cannot run on this machine now: the bench says why and goes on without it. */
export class PeerSkipped extends Error {}

/** Whether a command is on the PATH (`command -v`), without running the tool itself. */
export async function hasCommand(command: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${command}`], { quiet: true }).catch(() => null)) !== null;
}

/** `purpose`: what the command is for, e.g. "to build it". */
export async function requireCommands(commands: string[], purpose: string): Promise<void> {
  for (const command of commands)
    if (!(await hasCommand(command))) throw new PeerSkipped(`'${command}' is not installed (needed ${purpose})`);
}

/** Runs a command to its end; resolves with its stdout, rejects with the tail of its output on failure. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (tail = `${tail}${chunk}`.slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}${options.quiet ? '' : `:\n${tail}`}`)),
    );
  });
}

/** The processes the bench started for peers, still running; stopped on exit, Ctrl-C or SIGTERM. */
const started = new Set<ChildProcess>();

function descendants(pid: number): number[] {
  return childPids(pid).flatMap((child) => [child, ...descendants(child)]);
}

/**
 * Signals the process group the bench made for `child` (its leader's PID is the child's: `detached` puts it in a new
 * session), which reaches a launcher script's JVM as well, and nothing else.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

let cleanupInstalled = false;
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', () => started.forEach((child) => signalGroup(child, 'SIGKILL')));
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      started.forEach((child) => signalGroup(child, 'SIGTERM'));
      process.exit(130);
    });
}

const STOP_GRACE_MS = 20_000;

export interface PeerServerOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  url: string;
  /** Lines of its log that count as its errors in the bench's notes. */
  errorLine: RegExp;
}

/** Starts a peer's server process in a process group of its own, its output in the cache's logs folder. */
export function startPeerServer(options: PeerServerOptions): ServerProcess & { logFile: string; exited(): boolean } {
  installCleanup();
  const logFile = path.join(peersCacheDir(), 'logs', `${options.name.split(' ')[0]!.toLowerCase()}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(options.command, options.args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  const errors: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.pipe(log, { end: false });
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (options.errorLine.test(line)) errors.push(line.slice(0, 500));
    });
  }
  return {
    name: options.name,
    url: options.url,
    logFile,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    servingPids: () => [child.pid!, ...descendants(child.pid!)],
    allPids: () => [child.pid!, ...descendants(child.pid!)],
    errorLines: () => errors,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const forced = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(forced);
          log.end();
          resolve();
        });
        signalGroup(child, 'SIGTERM');
      }),
  };
}

/** Polls `url` until it answers 2xx; fails early when the process is gone, or after `timeoutMs`. */
export async function waitForHttp(
  server: { exited(): boolean; logFile: string },
  url: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exited()) throw new PeerSkipped(`exited before ${url} answered (log: ${server.logFile})`);
    const answered = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new PeerSkipped(`${url} did not answer within ${timeoutMs / 1000}s (log: ${server.logFile})`);
}

/** A JSON request to a peer's admin API; throws with the peer's answer when it is not 2xx. */
export async function adminRequest(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<unknown> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${response.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : null;
}
