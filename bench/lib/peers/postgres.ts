// A throw-away PostgreSQL for Ory Hydra, its production database
// (https://www.ory.sh/docs/self-hosted/deployment#sql-persistent). Hydra's SQLite does not take concurrent logins:
// with DSN=memory they failed with "Unable to serialize access due to a concurrent update in another session", with
// a WAL file with "database is locked". Its processes count as Hydra's, as the embedded H2 database counts as
// Keycloak's.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPort } from '../ports.ts';
import type { ServerProcess } from '../processes.ts';
import { PeerSkipped, requireCommands, run, startPeerServer } from './peer-process.ts';

const START_TIMEOUT_MS = 60_000;

/** initdb and postgres refuse to run as root: as root, they run as the `postgres` user Debian's packages make. */
function asUnprivileged(dataDir: string): string[] {
  if (process.getuid?.() !== 0) return [];
  const ids = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    chownSync(dataDir, ids('-u'), ids('-g'));
  } catch {
    throw new PeerSkipped('PostgreSQL cannot run as root and there is no postgres user to run it as');
  }
  return ['runuser', '-u', 'postgres', '--'];
}

function accepting(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    socket.once('close', () => socket.destroy());
    socket.setTimeout(2_000, () => socket.destroy());
  });
}

export interface Postgres {
  server: ServerProcess;
  /** A DSN for Hydra. */
  url: string;
}

/** initdb into a temporary folder and a postgres on a free loopback port; its folder goes when it stops. */
export async function startPostgres(): Promise<Postgres> {
  await requireCommands(['initdb', 'postgres'], 'for its database, PostgreSQL');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'castellan-bench-postgres-'));
  const data = path.join(dir, 'data');
  const prefix = asUnprivileged(dir);
  const command = (args: string[]): [string, string[]] => [prefix[0] ?? args[0]!, [...prefix.slice(1), ...args]];
  try {
    await run(...command(['initdb', '-D', data, '-U', 'hydra', '--auth=trust', '-E', 'UTF8', '--no-sync']));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new PeerSkipped(`initdb failed: ${(error as Error).message}`);
  }
  const port = await freeLoopbackPort();
  const [executable, args] = command(['postgres', '-D', data, '-p', String(port), '-k', dir]);
  const postgres = startPeerServer({
    name: 'PostgreSQL-hydra',
    command: executable,
    // Commits are not flushed one by one, as Castellan's FerretDB runs SQLite (synchronous=NORMAL: synced at
    // checkpoints); https://www.postgresql.org/docs/15/wal-async-commit.html
    args: [...args, '-c', 'listen_addresses=127.0.0.1', '-c', 'synchronous_commit=off'],
    env: {},
    url: `postgres://127.0.0.1:${port}`,
    errorLine: /\b(ERROR|FATAL|PANIC):/,
  });
  const server: ServerProcess = {
    ...postgres,
    stop: async () => {
      await postgres.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepting(port))) {
    if (postgres.exited() || Date.now() > deadline) {
      await server.stop();
      throw new PeerSkipped(`PostgreSQL did not start (log: ${postgres.logFile})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  // Hydra's pool holds 2 connections per CPU by default (ory/x sqlcon/parse_opts.go); 32 concurrent logins then
  // stalled (a request that holds one connection waits for another): a pool larger than the bench's concurrency.
  const pool = 'max_conns=64&max_idle_conns=64';
  return { server, url: `postgres://hydra@127.0.0.1:${port}/postgres?sslmode=disable&${pool}` };
}
