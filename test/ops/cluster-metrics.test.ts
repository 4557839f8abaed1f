// In cluster mode the workers share the port, so /metrics reaches one of them: it reports every worker's series,
// aggregated by the primary (prom-client's AggregatorRegistry).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { freeLoopbackPort } from '../../bench/lib/ports.ts';
import { startCastellan } from '../../bench/lib/processes.ts';
import { MasterKey } from '../../src/platform/crypto.ts';
import { freshDatabaseUri } from '../helpers/database.ts';

const TOKEN = 'cluster-metrics-token-0123456789';
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'castellan-cluster-metrics-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

it('WORKERS=2: every scrape counts the requests both workers served', async () => {
  const server = await startCastellan({
    port: await freeLoopbackPort(),
    workers: 2,
    mongodbUri: freshDatabaseUri(),
    dataDir,
    masterKey: MasterKey.generate().toBase64url(),
    env: { METRICS_TOKEN: TOKEN },
  });
  try {
    assert.equal(server.servingPids().length, 2);
    const REQUESTS = 40;
    for (let i = 0; i < REQUESTS; i++) assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    for (let scrape = 0; scrape < 4; scrape++) {
      const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(response.status, 200);
      const text = await response.text();
      const line = text
        .split('\n')
        .find((each) =>
          each.startsWith('castellan_http_request_duration_seconds_count{route="/healthz",method="GET",status="200"}'),
        );
      assert.equal(Number(line?.split(' ').at(-1)), REQUESTS, `scrape ${scrape}: ${line}`);
      assert.match(text, /^nodejs_eventloop_lag_seconds /m);
    }
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
  } finally {
    await server.stop();
  }
});
