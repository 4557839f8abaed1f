import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';

export class DatabaseUnavailableError extends Error {}

/**
 * Castellan builds FerretDB v1.24.2 with two changes to its SQLite backend, so that documents are found
 * through indexes (measured before: findOne by `_id` 4 ms at 1,000 documents, 65 ms at 30,000):
 * - it looks `_id` up with `_ferretdb_sjson->'$._id'`, while the `_id` index is on `_ferretdb_sjson->"_id"`,
 *   and SQLite only uses an expression index for the identical expression: the lookup uses the index's;
 * - it pushes down no filter but `{_id}`: tools/ferretdb/pushdown.go adds equality on indexed scalar fields.
 * The build's cache folder is named by a hash of the patches, so a changed patch is built anew.
 */
const ID_LOOKUP_FROM = `IDColumn = DefaultColumn + "->'$._id'"`;
const ID_LOOKUP_TO = 'IDColumn = DefaultColumn + `->"_id"`';
const QUERY_WHERE_FROM = '\tq += whereClause\n\tq += prepareOrderByClause(params.Sort)';
const QUERY_WHERE_TO =
  '\tif whereClause == "" {\n\t\twhereClause, args = castellanEqualityPushdown(meta, params.Filter)\n\t}\n\n' +
  QUERY_WHERE_FROM;
const EXPLAIN_WHERE_FROM = '\torderByClause := prepareOrderByClause(params.Sort)';
const EXPLAIN_WHERE_TO =
  '\tif whereClause == "" {\n\t\twhereClause, args = castellanEqualityPushdown(meta, params.Filter)\n\t\tfilterPushdown = whereClause != ""\n\t}\n\n' +
  EXPLAIN_WHERE_FROM;
/**
 * FerretDB's leak detector: every document iterator, array iterator and transaction records its creator's
 * stack in a pprof profile and gets a finalizer that panics if it was never closed. That is a developer's
 * tool; in a release build it only costs (measured: 7% of FerretDB's CPU in pprof; database CPU per inserted
 * token 184 -> 169 µs one at a time, 66 -> 56 µs in batches of six), so tracking stops there, as FerretDB's
 * own `debugbuild` switch already does for the stacks it keeps.
 */
const TRACK_FROM = 'func Track(obj any, token *Token) {\n';
const UNTRACK_FROM = 'func Untrack(obj any, token *Token) {\n';
const RELEASE_BUILD_RETURNS = '\tif !debugbuild.Enabled {\n\t\treturn\n\t}\n\n';
const PUSHDOWN_SOURCE = path.join(import.meta.dirname, '..', '..', 'tools', 'ferretdb', 'pushdown.go');
const PATCHES = [
  ID_LOOKUP_FROM,
  ID_LOOKUP_TO,
  QUERY_WHERE_FROM,
  QUERY_WHERE_TO,
  EXPLAIN_WHERE_FROM,
  EXPLAIN_WHERE_TO,
  TRACK_FROM,
  UNTRACK_FROM,
  RELEASE_BUILD_RETURNS,
  readFileSync(PUSHDOWN_SOURCE, 'utf8'),
];
const BUILD_FLAVOUR = `castellan-${createHash('sha256').update(PATCHES.join('\0')).digest('hex').slice(0, 12)}`;

export function ferretdbCacheDir(version: string): string {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'castellan', `ferretdb-${version}-${BUILD_FLAVOUR}`);
}

function replaceOnce(file: string, from: string, to: string): void {
  const source = readFileSync(file, 'utf8');
  if (source.split(from).length !== 2)
    throw new DatabaseUnavailableError(`Cannot patch ${file}: the FerretDB source differs from v1.24.2`);
  writeFileSync(file, source.replace(from, to));
}

function patchSqliteBackend(sourceDir: string): void {
  const backend = path.join(sourceDir, 'internal', 'backends', 'sqlite');
  replaceOnce(path.join(backend, 'metadata', 'metadata.go'), ID_LOOKUP_FROM, ID_LOOKUP_TO);
  replaceOnce(path.join(backend, 'collection.go'), QUERY_WHERE_FROM, QUERY_WHERE_TO);
  // Explain shows the same WHERE clause and SQLite's plan for it.
  replaceOnce(path.join(backend, 'collection.go'), EXPLAIN_WHERE_FROM, EXPLAIN_WHERE_TO);
  cpSync(PUSHDOWN_SOURCE, path.join(backend, 'castellan_pushdown.go'));
}

function patchLeakTracking(sourceDir: string): void {
  const resource = path.join(sourceDir, 'internal', 'util', 'resource', 'resource.go');
  replaceOnce(resource, TRACK_FROM, TRACK_FROM + RELEASE_BUILD_RETURNS);
  replaceOnce(resource, UNTRACK_FROM, UNTRACK_FROM + RELEASE_BUILD_RETURNS);
}

function hasGo(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new DatabaseUnavailableError(`${command} ${args.join(' ')} failed (exit ${code}):\n${stderr}`));
    });
  });
}

/**
 * Builds FerretDB from the Go module proxy into the cache folder, once.
 * Two things rule out a plain `go install module@version`: it asks the proxy for the module's version
 * list (refused by some proxies), and the published module leaves build/version/version.txt empty,
 * which FerretDB's own release build fills in (the binary panics at start without it).
 * So: download the exact version, copy its source, write version.txt, apply Castellan's patches, build that.
 */
export async function buildFerretdb(version: string, report: (line: string) => void): Promise<string> {
  const target = path.join(ferretdbCacheDir(version), 'ferretdb');
  if (existsSync(target)) return target;
  if (!hasGo()) {
    throw new DatabaseUnavailableError(
      'No database: set MONGODB_URI to a MongoDB server, or FERRETDB_BIN to a FerretDB v1 binary, or install Go (https://go.dev/dl) so Castellan can build its embedded FerretDB.',
    );
  }
  mkdirSync(path.dirname(target), { recursive: true });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-ferretdb-build-'));
  const partial = `${target}.${process.pid}.partial`;
  const started = Date.now();
  const ticker = setInterval(
    () => report(`  ...still building FerretDB (${Math.round((Date.now() - started) / 1000)}s)`),
    15_000,
  );
  try {
    report(`Downloading FerretDB ${version} from the Go module proxy...`);
    const download = JSON.parse(
      await run('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${version}`], { cwd: workDir }),
    ) as { Dir: string };
    const sourceDir = path.join(workDir, 'src');
    cpSync(download.Dir, sourceDir, { recursive: true });
    chmodRecursive(sourceDir);
    writeFileSync(path.join(sourceDir, 'build', 'version', 'version.txt'), `${version}\n`);
    patchSqliteBackend(sourceDir);
    patchLeakTracking(sourceDir);
    report(`Building FerretDB ${version} into ${path.dirname(target)} (once; about two minutes)...`);
    await run('go', ['build', '-buildvcs=false', '-o', partial, './cmd/ferretdb'], {
      cwd: sourceDir,
      env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    });
    renameSync(partial, target);
  } finally {
    clearInterval(ticker);
    rmSync(workDir, { recursive: true, force: true });
    rmSync(partial, { force: true });
  }
  report(`FerretDB ${version} built in ${Math.round((Date.now() - started) / 1000)}s.`);
  return target;
}

/** The Go module cache is read-only; the copy must be writable to add version.txt and to delete it later. */
function chmodRecursive(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodRecursive(full);
    else chmodSync(full, 0o644);
  }
}

export interface RunningFerretdb {
  uri: string;
  stop(): Promise<void>;
}

async function waitUntilAnswering(uri: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new DatabaseUnavailableError(`FerretDB exited at start (code ${child.exitCode}):\n${output()}`);
    const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new DatabaseUnavailableError(`FerretDB did not answer within 30s: ${String(lastError)}\n${output()}`);
}

/**
 * SQLite in WAL mode with `synchronous=NORMAL`: a crash of FerretDB or of the machine's processes loses
 * nothing, and a power loss can lose the last commits but never corrupts the file. That is the promise of a
 * standalone MongoDB's default write concern (journal flushed every 100 ms), and it halves the CPU and the
 * wait of every write (measured: 2,200 → 4,800 inserts/s; SQLite's default syncs the WAL on every commit).
 */
const SQLITE_PRAGMAS = '_pragma=synchronous(normal)';

/**
 * Go collects garbage each time the heap doubles; FerretDB's live heap is small, so that is often. Letting
 * it grow fivefold costs about 12 MB of memory and saves 15% of the database's CPU per inserted token
 * (58 -> 50 µs in batches of six, median of four runs each). An operator's own GOGC wins.
 */
const GO_GC_PERCENT = '400';

/**
 * Starts FerretDB (SQLite backend) under a tiny shell guardian whose stdin is a pipe from this process.
 * When this process goes away for any reason, even SIGKILL, the pipe closes and the guardian stops
 * FerretDB, so no orphan survives us. It listens on a Unix socket only, in a folder only this user can
 * enter: no other local user can reach the database (FerretDB has no authentication here), and a socket
 * costs less per round trip than TCP loopback (measured: 15% more reads per second).
 */
export async function startFerretdb(binary: string, dataDir: string): Promise<RunningFerretdb> {
  const sqliteDir = path.join(dataDir, 'ferretdb');
  mkdirSync(sqliteDir, { recursive: true });
  // A short folder of its own: socket paths are limited to 107 bytes, and data folders can be long.
  const socketDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-db-'));
  const socket = path.join(socketDir, 'mongodb.sock');
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${sqliteDir}/?${SQLITE_PRAGMAS}`,
    '--listen-addr=',
    `--listen-unix=${socket}`,
    `--state-dir=${sqliteDir}`,
    '--telemetry=disable',
    '--debug-addr=-',
    '--log-level=warn',
  ];
  const guardian =
    'trap "" INT; "$0" "$@" & pid=$!; cat >/dev/null; kill -TERM $pid 2>/dev/null; wait $pid; rm -rf "$CASTELLAN_SOCKET_DIR"';
  const child = spawn('sh', ['-c', guardian, binary, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { GOGC: GO_GC_PERCENT, ...process.env, CASTELLAN_SOCKET_DIR: socketDir },
  });
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const uri = `mongodb://${encodeURIComponent(socket)}/`;
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await exited;
  };
  try {
    await waitUntilAnswering(uri, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { uri, stop };
}
