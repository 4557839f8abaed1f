import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { startFerretdb } from '../../src/platform/ferretdb.ts';
import {
  commandLine,
  createOrg,
  ferretdbBin,
  ferretdbPids,
  startCastellanProcess,
  timedFetch,
  tokenRequest,
  waitUntilReady,
  type CastellanProcess,
  type Timed,
} from '../helpers/castellan-process.ts';

// kill -9 of the database under a running Castellan: the embedded FerretDB is restarted by its supervisor, a
// database reached by MONGODB_URI is reconnected to by the driver once it is back. While it is down every
// request fails fast (503, never a hang nor a 500); afterwards the service resumes by itself and every write
// it acknowledged is still there.

/** A request while the database is down: each of its round trips waits up to 1 s for a server. */
const FAIL_FAST_MS = 3_000;
/**
 * A write around the kill: its first round trips may succeed before it and the next fail (or wait for the restarted
 * server); measured up to 3.6 s with three outage tests running at once on two CPUs.
 */
const SLOW_WRITE_MS = 5_000;
/** The driver notices a silent server within a heartbeat (1 s) and its timeout (3 s, store/database/connection.ts). */
const SILENT_SERVER_MS = 8_000;
const folders: string[] = [];
const processes: CastellanProcess[] = [];
after(() => {
  processes.forEach((started) => started.child.kill('SIGKILL'));
  folders.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

function folder(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

async function managementToken(url: string): Promise<string> {
  const response = await tokenRequest(url);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.ok(response.body.access_token);
  return response.body.access_token;
}

/**
 * `total` org creations, `parallel` at a time; `midway` runs once after `killAfter` of them were sent, so that the
 * kill lands while writes are on their way.
 */
async function writes(
  url: string,
  token: string,
  options: {
    prefix: string;
    total: number;
    parallel: number;
    killAfter: number;
    midway: () => void;
  },
): Promise<Timed<{ id?: string }>[]> {
  const results: Timed<{ id?: string }>[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.total) {
      const index = next++;
      if (index === options.killAfter) options.midway();
      results.push(await createOrg(url, token, `outage-org-${options.prefix}${index}`));
    }
  };
  await Promise.all(Array.from({ length: options.parallel }, worker));
  return results;
}

/** Every write answered fast with 201 or 503; the acknowledged ones are all readable afterwards. */
async function assertAcknowledgedWritesKept(
  started: CastellanProcess,
  results: Timed<{ id?: string }>[],
): Promise<number> {
  const { url } = started;
  // A write that hung was aborted by timedFetch (status 0): the log's end shows what the server was doing.
  const failures = (): string =>
    started
      .output()
      .split('\n')
      .filter((line) => /request failed|"level":[56]0/.test(line))
      .join('\n') || started.output().slice(-3000);
  for (const result of results) {
    assert.ok([201, 503].includes(result.status), `a write answered ${result.status}:\n${failures()}`);
    assert.ok(result.ms < SLOW_WRITE_MS, `a write took ${result.ms} ms (${result.status}):\n${failures()}`);
  }
  const acknowledged = results.filter((result) => result.status === 201).map((result) => result.body.id);
  const token = await managementToken(url);
  for (const id of acknowledged) {
    const read = await timedFetch(`${url}/api/v1/orgs/${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(read.status, 200, `acknowledged org ${id} is still there`);
  }
  return acknowledged.length;
}

async function stopCastellan(started: CastellanProcess): Promise<void> {
  started.child.kill('SIGTERM');
  assert.equal(await started.exited, 0, started.output().slice(-3000));
}

async function waitForExit(pid: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`process ${pid} did not exit`);
}

describe(
  'a database crash under a running Castellan',
  { skip: !existsSync(ferretdbBin) && 'no FerretDB binary' },
  () => {
    for (const [mode, env, total] of [
      ['one process', {}, 60],
      ['cluster mode (the primary supervises, two workers reconnect)', { WORKERS: '2' }, 60],
    ] as const)
      it(
        `embedded FerretDB, ${mode}: kill -9 is restarted by the supervisor; no hang, no 500, no acknowledged write lost`,
        { timeout: 120_000 },
        async () => {
          const dataDir = folder('castellan-outage-');
          const started = await startCastellanProcess(dataDir, env);
          processes.push(started);
          await waitUntilReady(started);
          // In cluster mode every worker listens first (a worker that cannot start at all fails the whole start).
          while ('WORKERS' in env && !/workers listening/.test(started.output()))
            await new Promise((resolve) => setTimeout(resolve, 50));
          const token = await managementToken(started.url);
          const [original] = ferretdbPids(dataDir);
          assert.ok(original, 'the embedded FerretDB runs');

          let recovered: Promise<number> | null = null;
          const results = await writes(started.url, token, {
            prefix: '',
            total,
            parallel: 4,
            killAfter: total / 4,
            midway() {
              process.kill(original, 'SIGKILL');
              recovered = waitUntilReady(started, 30_000);
            },
          });
          assert.ok(recovered, 'FerretDB was killed');
          const recoveryMs = await (recovered as Promise<number>);
          const kept = await assertAcknowledgedWritesKept(started, results);
          const [restarted] = ferretdbPids(dataDir);
          assert.ok(restarted && restarted !== original, 'a new FerretDB process serves the data');
          assert.match(started.output(), /FerretDB exited unexpectedly/);
          for (let attempt = 0; attempt < 4; attempt++)
            assert.equal((await tokenRequest(started.url)).status, 200, 'token requests work again (on every worker)');
          const slowest = Math.max(...results.map((result) => result.ms));
          const unavailable = results.filter((result) => result.status === 503).length;
          process.stdout.write(
            `# embedded, ${mode}: ready again ${recoveryMs} ms after kill -9; ${kept} of ${results.length} writes ` +
              `acknowledged, all kept; ${unavailable} answered 503; slowest write ${slowest} ms\n`,
          );

          await stopCastellan(started);
          assert.deepEqual(ferretdbPids(dataDir), [], 'no FerretDB left behind');
        },
      );

    it(
      'MONGODB_URI: the server is killed and started again on the same socket, then stopped; the service resumes by itself',
      { timeout: 120_000 },
      async () => {
        const dbDir = folder('castellan-outage-db-');
        const database = await startFerretdb(ferretdbBin, dbDir);
        const started = await startCastellanProcess(folder('castellan-outage-data-'), { MONGODB_URI: database.uri });
        processes.push(started);
        let respawned: ReturnType<typeof spawn> | null = null;
        try {
          await waitUntilReady(started);
          const token = await managementToken(started.url);
          const [pid] = ferretdbPids(dbDir);
          assert.ok(pid);
          const argv = commandLine(pid);
          // Writes are on their way when the server is killed; the ones after it fail fast.
          const during = await writes(started.url, token, {
            prefix: 'uri-',
            total: 30,
            parallel: 4,
            killAfter: 15,
            midway: () => process.kill(pid, 'SIGKILL'),
          });
          await waitForExit(pid);

          const ready = await timedFetch(`${started.url}/readyz`);
          assert.equal(ready.status, 503, '/readyz says the database is down');
          const write = await createOrg(started.url, token, 'while-down');
          assert.equal(write.status, 503, JSON.stringify(write.body));
          const issued = await tokenRequest(started.url);
          assert.ok(
            [200, 503].includes(issued.status),
            `token request: ${issued.status} ${JSON.stringify(issued.body)}`,
          );
          if (issued.status === 503) assert.equal(issued.body.error, 'temporarily_unavailable');
          const authorize = new URLSearchParams({
            client_id: 'an-app',
            response_type: 'code',
            scope: 'openid',
            redirect_uri: 'https://rp.test/callback',
          });
          const page = await timedFetch<string>(`${started.url}/oauth/v2/authorize?${authorize}`, {
            headers: { accept: 'text/html' },
          });
          assert.equal(page.status, 503, 'the authorization endpoint renders a page saying so');
          assert.match(page.body, /Temporarily unavailable/);
          for (const [name, answer] of Object.entries({
            ready,
            write,
            issued,
            page,
          }))
            assert.ok(answer.ms < FAIL_FAST_MS, `${name} answered after ${answer.ms} ms while the database was down`);
          // The database server comes back: the same binary, arguments, socket and data.
          const socket = decodeURIComponent(/^mongodb:\/\/([^/]+)\//.exec(database.uri)?.[1] ?? '');
          rmSync(socket, { force: true });
          const [binary, ...args] = argv as [string, ...string[]];
          respawned = spawn(binary, args, { stdio: 'ignore' });
          const recoveryMs = await waitUntilReady(started, 30_000);
          const after = await writes(started.url, token, {
            prefix: 'uri-after-',
            total: 10,
            parallel: 4,
            killAfter: -1,
            midway() {},
          });
          assert.ok(
            after.every((result) => result.status === 201),
            'writes succeed again',
          );
          const kept = await assertAcknowledgedWritesKept(started, [...during, ...after]);
          assert.equal((await tokenRequest(started.url)).status, 200);

          // A server that stops answering but keeps its connections open (a hung process, a network partition).
          process.kill(respawned.pid as number, 'SIGSTOP');
          const silent = await createOrg(started.url, token, 'while-stopped');
          process.kill(respawned.pid as number, 'SIGCONT');
          assert.equal(silent.status, 503, 'a write to a server that went silent fails');
          assert.ok(silent.ms < SILENT_SERVER_MS, `it answered after ${silent.ms} ms`);
          const resumedMs = await waitUntilReady(started, 30_000);
          assert.equal((await createOrg(started.url, token, 'after-silence')).status, 201);

          const unavailable = during.filter((result) => result.status === 503).length;
          process.stdout.write(
            `# MONGODB_URI: while down, /readyz ${ready.ms} ms, write ${write.ms} ms (${write.status}), token ` +
              `${issued.ms} ms (${issued.status}), authorize page ${page.ms} ms (${page.status}); ready again ` +
              `${recoveryMs} ms after the server restarted; ${kept} of ${during.length + after.length} writes ` +
              `acknowledged, all kept; ${unavailable} answered 503; server stopped (SIGSTOP): write ` +
              `${silent.status} after ${silent.ms} ms, ready ${resumedMs} ms after SIGCONT\n`,
          );
          await stopCastellan(started);
        } finally {
          started.child.kill('SIGKILL');
          respawned?.kill('SIGKILL');
          await database.stop();
        }
      },
    );
  },
);
