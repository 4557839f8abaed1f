import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import mongoose from 'mongoose';
import { loadConfig, projectRoot } from '../../src/platform/config.ts';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { ferretdbCacheDir } from '../../tools/ferretdb/build.ts';

// These tests run the README's start command (`node src/main.ts`) as a real process on the embedded
// FerretDB, the way a newcomer does.

const ferretdbBin =
  process.env.CASTELLAN_FERRETDB_BIN || path.join(ferretdbCacheDir(loadConfig({}).ferretdb.version), 'ferretdb');
const dataDirs: string[] = [];
after(() => dataDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.MONGODB_URI;
  delete env.CASTELLAN_TEST_MONGODB_URI;
  return env;
}

async function startProcess(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Started> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: projectRoot,
    env: cleanEnv({ PORT: String(port), DATA_DIR: dataDir, FERRETDB_BIN: ferretdbBin, LOG_LEVEL: 'info', ...extraEnv }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

async function waitUntilReady(started: Started): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (started.child.exitCode !== null) assert.fail(`Castellan exited early:\n${started.output()}`);
    const response = await fetch(`${started.url}/readyz`).catch(() => null);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`Castellan did not become ready:\n${started.output()}`);
}

function ferretdbProcessesFor(dataDir: string): string {
  return spawnSync('pgrep', ['-f', `${dataDir}/ferretdb`], { encoding: 'utf8' }).stdout.trim();
}

async function waitForNoFerretdb(dataDir: string): Promise<string> {
  for (let attempt = 0; attempt < 100 && ferretdbProcessesFor(dataDir); attempt++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  return ferretdbProcessesFor(dataDir);
}

function databaseUri(output: string): string {
  const uri = /"uri":"(mongodb:\/\/[^"]+)"/.exec(output)?.[1];
  assert.ok(uri, 'the log names the embedded FerretDB address');
  return uri;
}

/** The folder of the embedded FerretDB's Unix socket, checked to be private to this user. */
function privateSocketDir(output: string): string {
  const socket = decodeURIComponent(/^mongodb:\/\/([^/]+)\//.exec(databaseUri(output))?.[1] ?? '');
  assert.match(socket, /^\/.+\.sock$/, 'the embedded FerretDB is reached over a Unix socket, not a TCP port');
  const folder = path.dirname(socket);
  assert.equal(statSync(folder).mode & 0o777, 0o700, 'only this user can enter the socket folder');
  return folder;
}

async function countDocuments(output: string): Promise<Record<string, number>> {
  const uri = databaseUri(output);
  const connection = await mongoose.createConnection(uri, { dbName: 'castellan' }).asPromise();
  try {
    const names = [
      'instances',
      'organizations',
      'users',
      'projects',
      'applications',
      'project_grants',
      'user_grants',
      'memberships',
      'signing_keys',
    ];
    return Object.fromEntries(
      await Promise.all(names.map(async (name) => [name, await connection.collection(name).countDocuments()])),
    );
  } finally {
    await connection.close();
  }
}

describe(
  'the start command on the embedded FerretDB',
  { skip: !existsSync(ferretdbBin) && 'no FerretDB binary (the suite runs against MONGODB_URI)' },
  () => {
    const restartTitle =
      'starts, answers /readyz, stops on SIGTERM without leaving FerretDB behind, ' +
      'and restarts on the same data without duplicating anything';
    it(restartTitle, async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-start-'));
      dataDirs.push(dataDir);

      const first = await startProcess(dataDir);
      await waitUntilReady(first);
      assert.match(first.output(), /Generated bootstrap credentials/);
      assert.equal((await fetch(`${first.url}/healthz`)).status, 200);
      const discovery = (await (await fetch(`${first.url}/.well-known/openid-configuration`)).json()) as {
        issuer: string;
      };
      assert.equal(discovery.issuer, `http://localhost:${new URL(first.url).port}`);
      const countsAfterFirst = await countDocuments(first.output());
      const socketDir = privateSocketDir(first.output());
      assert.equal(countsAfterFirst.instances, 1);
      assert.ok(
        (countsAfterFirst.organizations ?? 0) >= 4,
        'the bootstrap org and the demo orgs ACME, Alpha, Beta exist',
      );
      first.child.kill('SIGTERM');
      assert.equal(await first.exited, 0, first.output());
      assert.equal(await waitForNoFerretdb(dataDir), '', 'FerretDB stopped with Castellan');
      assert.equal(existsSync(socketDir), false, 'the socket folder is removed');

      const second = await startProcess(dataDir);
      await waitUntilReady(second);
      assert.doesNotMatch(second.output(), /Generated bootstrap credentials/, 'nothing is generated again');
      assert.deepEqual(await countDocuments(second.output()), countsAfterFirst, 'a second start duplicates nothing');
      second.child.kill('SIGINT');
      assert.equal(await second.exited, 0, second.output());
      assert.equal(await waitForNoFerretdb(dataDir), '');
    });

    it('leaves no FerretDB process behind when Castellan is killed outright', async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-kill-'));
      dataDirs.push(dataDir);
      const started = await startProcess(dataDir, { CASTELLAN_DEMO: 'false' });
      await waitUntilReady(started);
      assert.notEqual(ferretdbProcessesFor(dataDir), '', 'FerretDB runs while Castellan runs');
      const socketDir = privateSocketDir(started.output());
      started.child.kill('SIGKILL');
      await started.exited;
      assert.equal(await waitForNoFerretdb(dataDir), '', 'FerretDB exits when its parent dies');
      for (let attempt = 0; attempt < 50 && existsSync(socketDir); attempt++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(existsSync(socketDir), false, 'the guardian removes the socket folder');
    });
  },
);

describe('start without any database', () => {
  it('fails at once with one sentence saying what to install or set', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-nodb-'));
    dataDirs.push(dataDir);
    const emptyCache = mkdtempSync(path.join(os.tmpdir(), 'castellan-nocache-'));
    dataDirs.push(emptyCache);
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: projectRoot,
      env: { ...cleanEnv({ DATA_DIR: dataDir, XDG_CACHE_HOME: emptyCache, PATH: '/nonexistent' }), FERRETDB_BIN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /^castellan: No database: set MONGODB_URI .* or install Go/m);
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  });

  it('refuses a bad configuration value with a message naming it', async () => {
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: projectRoot,
      env: cleanEnv({ PORT: 'eighty' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 1);
    assert.match(stderr, /Invalid configuration:\s+port:/);
  });
});
