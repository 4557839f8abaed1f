// Fuzzes the management API against its own OpenAPI document with schemathesis (PyPI), bounded: a Castellan on
// loopback with the embedded FerretDB (or MONGODB_URI), called with a bearer token of the bootstrap IAM owner. Fails on
// any 5xx, any response that does not match its documented schema or content type, and any undocumented status.
//   npm run fuzz                      FUZZ_MAX_EXAMPLES (default 10) test cases per operation and phase
//   FUZZ_SEED=… FUZZ_TIME_LIMIT_S=…   reproduce a run; stop (and fail) after this many seconds (default 600)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/platform/config.ts';
import { ferretdbBinary, startFerretdb } from '../src/platform/ferretdb.ts';
import { apiCaller, schemathesisConfig, seedFuzzData } from './fuzz-seed.ts';

const SCHEMATHESIS_VERSION = '4.32.5';
const CHECKS = 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance';
const maxExamples = process.env.FUZZ_MAX_EXAMPLES ?? '10';
const seed = process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const timeLimitMs = Number(process.env.FUZZ_TIME_LIMIT_S ?? '600') * 1000;

/** schemathesis in a venv of its own under ~/.cache/castellan, installed once from PyPI at the pinned version. */
function schemathesis(): string {
  const venv = path.join(os.homedir(), '.cache', 'castellan', `schemathesis-${SCHEMATHESIS_VERSION}`);
  const bin = path.join(venv, 'bin', 'schemathesis');
  if (existsSync(bin)) return bin;
  console.log(`Installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv}`);
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (python3 with venv is required)`);
  };
  run('python3', ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`]);
  return bin;
}

interface HarEntry {
  request: { method: string; url: string };
  response: { status: number };
}

/** Every request schemathesis made, from its HAR report. */
function harEntries(dir: string): HarEntry[] {
  return readdirSync(dir)
    .filter((file) => file.startsWith('har-'))
    .flatMap(
      (file) =>
        (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { log: { entries: HarEntry[] } }).log.entries,
    );
}

const bin = schemathesis();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-fuzz-'));
let stopDatabase = async (): Promise<void> => {};
if (!process.env.MONGODB_URI) {
  const binary = await ferretdbBinary(loadConfig({ ...process.env, MONGODB_URI: '' }).ferretdb, console.log);
  const ferretdb = await startFerretdb(binary, dataDir);
  process.env.CASTELLAN_TEST_MONGODB_URI = ferretdb.uri;
  stopDatabase = ferretdb.stop;
} else {
  process.env.CASTELLAN_TEST_MONGODB_URI = process.env.MONGODB_URI;
}
// The test helpers read the database address when called.
const { startTestServer } = await import('../test/helpers/server.ts');
const { bootstrapToken } = await import('../test/api/helpers.ts');
// The API's per-caller limit would answer most generated requests with 429 and leave the routes untested. Outbound
// calls get short timeouts, under schemathesis's request timeout: SMTP hosts the fuzzer stores, and the seeded
// domains' challenges (DNS asked of a closed loopback port: refused at once, never a real resolver).
const configFile = path.join(dataDir, 'fuzz-config.json');
writeFileSync(
  configFile,
  JSON.stringify({
    rateLimits: { apiRequestsPerCaller: { max: 0, windowSeconds: 60 } },
    email: { smtpTimeoutMs: 2000 },
    domainVerification: { dnsServers: ['127.0.0.1:9'], timeoutMs: 2000 },
  }),
);
const server = await startTestServer({ CASTELLAN_DEMO: 'true', LOG_LEVEL: 'error', CASTELLAN_CONFIG: configFile });
const reportDir = path.join(dataDir, 'report');
let exitCode: number;
try {
  const token = await bootstrapToken(server);
  const apiUrl = `${server.url.replace('localhost', '127.0.0.1')}/api/v1`;
  const schemathesisToml = path.join(dataDir, 'schemathesis.toml');
  writeFileSync(schemathesisToml, schemathesisConfig(await seedFuzzData(apiCaller(apiUrl, token))));
  const args = [
    '--config-file',
    schemathesisToml,
    'run',
    `${apiUrl}/openapi.json`,
    '--header',
    `Authorization: Bearer ${token}`,
    '--checks',
    CHECKS,
    '--max-examples',
    maxExamples,
    '--seed',
    seed,
    '--workers',
    '4',
    '--request-timeout',
    '15',
    '--report',
    'har',
    '--report-dir',
    reportDir,
    '--output-sanitize',
    'true',
    '--generation-database',
    'none',
    '--no-color',
  ];
  console.log(`schemathesis ${SCHEMATHESIS_VERSION}: ${maxExamples} examples per operation, seed ${seed}`);
  const child = spawn(bin, args, { stdio: 'inherit', cwd: dataDir });
  const timer = setTimeout(() => {
    console.error(`fuzz: time limit of ${timeLimitMs / 1000} s reached`);
    child.kill('SIGTERM');
  }, timeLimitMs);
  exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  clearTimeout(timer);
  const entries = existsSync(reportDir) ? harEntries(reportDir) : [];
  const byStatus = new Map<number, number>();
  for (const entry of entries) byStatus.set(entry.response.status, (byStatus.get(entry.response.status) ?? 0) + 1);
  const serverErrors = entries.filter((entry) => entry.response.status >= 500);
  const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`);
  console.log(`fuzz: ${entries.length} requests, ${serverErrors.length} responses 5xx; ${statuses.join(' ')}`);
  for (const entry of serverErrors.slice(0, 20))
    console.log(`  ${entry.response.status} ${entry.request.method} ${entry.request.url}`);
  if (serverErrors.length) exitCode = 1;
} finally {
  await server.stop();
  await stopDatabase();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
