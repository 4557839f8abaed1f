// The pure parts of `npm run bench -- --peers`: rounds combined, the ratio, what is read from Hydra's go.mod and from
// a Keycloak credential. The peers themselves are measured by the bench, not by the suite.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Measurement } from '../../bench/lib/measure.ts';
import { moduleReplaces } from '../../bench/lib/peers/hydra-build.ts';
import { describeHashing } from '../../bench/lib/peers/keycloak.ts';
import { combineOutcomes, combineRounds, ratio } from '../../bench/lib/peers/peer-figures.ts';

function round(requests: number, seconds: number, p99: number, cpuMs: number): Measurement {
  return {
    requests,
    requestsPerSecond: requests / seconds,
    latencyMs: { p50: 1, p95: 2, p99, mean: 1, max: p99 },
    errors: 0,
    errorSamples: [],
    serverCpuMsPerRequest: cpuMs,
    databaseCpuMsPerRequest: 0,
    peakRssMb: [],
  };
}

it('combines rounds: every request over every second, the worst p99, CPU weighted by requests', () => {
  const combined = combineRounds([round(100, 2, 30, 1), round(300, 2, 10, 3)]);
  assert.equal(combined.requests, 400);
  assert.equal(combined.requestsPerSecond, 100);
  assert.deepEqual(combined.roundRates, [50, 150]);
  assert.equal(combined.p99Ms, 30);
  assert.equal(combined.serverCpuMsPerRequest, 2.5);
});

it('a contender whose probe failed in any round has no figure, and no ratio', () => {
  const failed = combineOutcomes([{ measurement: round(10, 1, 1, 1) }, { missing: 'login: 400' }]);
  assert.deepEqual(failed, { missing: 'login: 400' });
  const castellan = combineOutcomes([{ measurement: round(600, 2, 5, 1) }]);
  assert.equal(ratio(castellan, failed), '—');
  assert.equal(ratio(castellan, combineOutcomes([{ measurement: round(100, 2, 5, 1) }])), '×6.00');
});

it("keeps Hydra's module replace directives and drops local-path ones", () => {
  const goMod = [
    'module github.com/ory/hydra/v2',
    'replace github.com/ory/hydra-client-go/v2 => ./internal/httpclient',
    'replace (',
    '\tgithub.com/gobuffalo/pop/v6 => github.com/ory/pop/v6 v6.2.1 // ory fork',
    '\tgithub.com/example/local => ../local',
    ')',
  ].join('\n');
  assert.deepEqual(moduleReplaces(goMod), ['replace github.com/gobuffalo/pop/v6 => github.com/ory/pop/v6 v6.2.1']);
});

it("describes a Keycloak credential's hash", () => {
  const credentialData = JSON.stringify({
    hashIterations: 5,
    algorithm: 'argon2',
    additionalParameters: { hashLength: ['32'], memory: ['7168'], type: ['id'], version: ['1.3'], parallelism: ['1'] },
  });
  assert.equal(describeHashing(credentialData), 'argon2id v1.3, 7168 KiB, 5 passes, 1 lane(s)');
});
