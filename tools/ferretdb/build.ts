// Builds Castellan's FerretDB: `npm run ferretdb:build`, and the first `npm start` or `npm test` on a machine
// (through src/platform/ferretdb.ts) when no binary is cached yet. What the patches change: docs/ferretdb.md.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/platform/config.ts';
import { applyPatches, FerretdbBuildError, patchesHash, SQLITE_DRIVER } from './patches.ts';

export { FerretdbBuildError };

/** The build's cache folder, named by the version and a hash of the patches, so a changed patch is built anew. */
export function ferretdbCacheDir(version: string): string {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'castellan', `ferretdb-${version}-castellan-${patchesHash()}`);
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
      else reject(new FerretdbBuildError(`${command} ${args.join(' ')} failed (exit ${code}):\n${stderr}`));
    });
  });
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

/** Copies a module of the Go module cache (downloaded first if missing) into `target`, writable. */
async function copyModule(module: string, workDir: string, target: string): Promise<void> {
  const download = JSON.parse(await run('go', ['mod', 'download', '-json', module], { cwd: workDir })) as {
    Dir: string;
  };
  cpSync(download.Dir, target, { recursive: true });
  chmodRecursive(target);
}

/**
 * Builds FerretDB from the Go module proxy into the cache folder, once; returns the binary's path.
 * Two things rule out a plain `go install module@version`: it asks the proxy for the module's version
 * list (refused by some proxies), and the published module leaves build/version/version.txt empty,
 * which FerretDB's own release build fills in (the binary panics at start without it).
 * So: download the exact version, copy its source, write version.txt, apply Castellan's patches, build that.
 * The SQLite driver is patched too: a copy inside the source tree, which go.mod's `replace` points to.
 */
export async function buildFerretdb(version: string, report: (line: string) => void): Promise<string> {
  const target = path.join(ferretdbCacheDir(version), 'ferretdb');
  if (existsSync(target)) return target;
  if (!hasGo()) {
    throw new FerretdbBuildError(
      'No database: set MONGODB_URI to a MongoDB server, or FERRETDB_BIN to a FerretDB v1 binary, ' +
        'or install Go (https://go.dev/dl) so Castellan can build its embedded FerretDB.',
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
    const sourceDir = path.join(workDir, 'src');
    await copyModule(`github.com/FerretDB/FerretDB@${version}`, workDir, sourceDir);
    const driver = `${SQLITE_DRIVER.module}@${SQLITE_DRIVER.version}`;
    await copyModule(driver, workDir, path.join(sourceDir, SQLITE_DRIVER.copy));
    writeFileSync(path.join(sourceDir, 'build', 'version', 'version.txt'), `${version}\n`);
    applyPatches(sourceDir);
    await run('go', ['mod', 'edit', `-replace=${driver}=./${SQLITE_DRIVER.copy}`], { cwd: sourceDir });
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

if (import.meta.main) {
  const report = (line: string): void => void process.stdout.write(`${line}\n`);
  try {
    report(await buildFerretdb(loadConfig().ferretdb.version, report));
  } catch (error) {
    if (!(error instanceof FerretdbBuildError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
