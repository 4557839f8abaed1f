// The bench's report on stdout: the scenario table, cluster, growth and memory tables, targets and notes.
import type { Outcome } from './measure.ts';
import type { Report } from './report.ts';
import { measured, missingNote, number, table } from './table.ts';
import { GROWTH_LIMIT, growthRatio, targetChecks } from './target-checks.ts';
import { peersTable } from './peers/peer-figures.ts';

function header(report: Report): string[] {
  const { machine } = report;
  const loadAverage = machine.loadAverage.map((load) => number(load, 2)).join(' / ');
  return [
    `\n## Castellan bench (${report.mode}), ${report.startedAt}`,
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}; ` +
      `database: ${machine.database}`,
    `Load average (1 min) before / after the run: ${loadAverage} (on ${machine.cpus} CPUs; ` +
      "more than the bench's own processes means the figures are distorted).",
    `${report.timing.seconds}s per scenario after ${report.timing.warmupSeconds}s warm-up, ` +
      `${report.concurrency} concurrent requests; Castellan with 2 workers; ` +
      'bare = node-oidc-provider, in-memory, 1 process.',
    'CPU = server CPU ms per request (+ database CPU ms per request); ratio = Castellan req/s ÷ bare req/s.\n',
  ];
}

function scenarioTable(report: Report): string {
  return table(
    [
      'scenario',
      'req/s',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'errors',
      'CPU ms/req',
      'peak RSS MB',
      'bare req/s',
      'bare p99',
      'ratio',
    ],
    report.scenarios.map((row) => {
      const ours = measured(row.castellan);
      const bare = measured(row.bare);
      const bareCells = bare
        ? [number(bare.requestsPerSecond), number(bare.latencyMs.p99, 1)]
        : [missingNote(row.bare), ''];
      if (!ours) return [row.title, missingNote(row.castellan), '', '', '', '', '', '', ...bareCells, ''];
      return [
        row.title,
        number(ours.requestsPerSecond),
        number(ours.latencyMs.p50, 1),
        number(ours.latencyMs.p95, 1),
        number(ours.latencyMs.p99, 1),
        String(ours.errors),
        `${number(ours.serverCpuMsPerRequest, 2)} (+${number(ours.databaseCpuMsPerRequest, 2)})`,
        ours.peakRssMb.join(' / '),
        ...bareCells,
        bare ? number(ours.requestsPerSecond / bare.requestsPerSecond, 2) : '',
      ];
    }),
  );
}

function clusterSection(report: Report): string[] {
  if (!report.cluster.length) return [];
  return [
    '\nCluster mode (1 worker vs 2 workers, each measured right after its start with no stored tokens):\n',
    table(
      ['scenario', '1 worker req/s', '1 worker p99', '2 workers req/s', '2 workers p99', 'speed-up'],
      report.cluster.map((row) => {
        const one = measured(row.oneWorker);
        const two = measured(row.twoWorkers);
        return [
          row.title,
          one ? number(one.requestsPerSecond) : missingNote(row.oneWorker),
          one ? number(one.latencyMs.p99, 1) : '',
          two ? number(two.requestsPerSecond) : missingNote(row.twoWorkers),
          two ? number(two.latencyMs.p99, 1) : '',
          one && two ? `×${number(two.requestsPerSecond / one.requestsPerSecond, 2)}` : '',
        ];
      }),
    ),
  ];
}

/** p50 latency on the small and the large data set, and their ratio. */
function growthCell(small: Outcome, large: Outcome): string {
  const a = measured(small);
  const b = measured(large);
  const ratio = growthRatio(small, large);
  if (!a || !b) return 'n/a (feature missing)';
  return ratio === null
    ? 'no request completed'
    : `${number(a.latencyMs.p50, 1)} → ${number(b.latencyMs.p50, 1)} ms (×${number(ratio, 2)})`;
}

function growthSection(report: Report): string[] {
  if (!report.growth) return [];
  const title =
    "\nGrowth (one user's token issuance = refresh grant, and userinfo; " +
    `p50 latency at ${report.growthConcurrency} concurrent requests; target ratio ≤ ${GROWTH_LIMIT}):\n`;
  if ('missing' in report.growth) return [title, `n/a (feature missing: ${report.growth.missing.slice(0, 200)})`];
  return [
    title,
    table(
      ['data growth', 'token issuance p50', 'userinfo p50', 'OIDC documents stored'],
      report.growth.ratios.map((ratio) => [
        ratio.name,
        growthCell(ratio.points[0].token, ratio.points[1].token),
        growthCell(ratio.points[0].userinfo, ratio.points[1].userinfo),
        `${number(ratio.points[0].oidcDocuments)} → ${number(ratio.points[1].oidcDocuments)}`,
      ]),
    ),
  ];
}

function memorySection(report: Report): string[] {
  if (!report.memory.length) return [];
  const points = ['warm', 'peak', 'after'] as const;
  const breakdowns = report.memory.flatMap((worker) =>
    points.flatMap((point) => {
      const at = worker.breakdown?.[point];
      if (!at) return [];
      return [
        [
          `pid ${worker.pid}`,
          point,
          number(at.rss),
          `${number(at.heapResident)} (${number(at.heapUsed)})`,
          number(at.newSpace),
          `${number(at.nativeAnonymous)} (${number(at.external)})`,
          at.threads ? `${at.threads}: ${number(at.threadsHeap ?? 0)} (${number(at.threadsExternal ?? 0)})` : '0',
          number(at.files),
        ],
      ];
    }),
  );
  return [
    '\nMemory per worker (resident, MB): warm = after a warm pass over every scenario, ' +
      'peak = highest sample under load, after = idle after the whole run:\n',
    table(
      ['worker', 'warm', 'peak', 'after', 'after / warm'],
      report.memory.map((worker) => [
        `pid ${worker.pid}`,
        String(worker.warmRssMb),
        String(worker.peakRssMb),
        String(worker.afterRssMb),
        worker.warmRssMb ? number(worker.afterRssMb / worker.warmRssMb, 2) : '',
      ]),
    ),
    ...(breakdowns.length
      ? [
          '\nWhere it is (MB): V8 heap = resident (used); outside V8 = other anonymous memory: malloc, ' +
            "V8's pooled free pages, the threads' ArrayBuffers (of which the main thread's Buffers, ArrayBuffers); " +
            "threads = the sandbox's worker threads: count: their isolates' heaps (their ArrayBuffers, QuickJS's " +
            'WebAssembly memory among them); files = the binary and libraries:\n',
          table(['worker', 'point', 'RSS', 'V8 heap', 'of it young', 'outside V8', 'threads', 'files'], breakdowns),
        ]
      : []),
  ];
}

/** Why a scenario has no figures, or samples of its errors, for Castellan and for the bare library. */
function scenarioNotes(report: Report): string[] {
  return report.scenarios.flatMap((row) =>
    [
      ['Castellan', row.castellan],
      ['bare', row.bare],
    ].flatMap(([who, outcome]) => {
      const result = outcome as Outcome | null;
      if (!result) return [];
      if ('missing' in result) return [`- ${row.id} (${who as string}): n/a: ${result.missing.slice(0, 300)}`];
      const samples = result.measurement.errorSamples;
      return samples.length ? [`- ${row.id} (${who as string}): errors, e.g. ${samples.slice(0, 2).join(' | ')}`] : [];
    }),
  );
}

/** Prints the report, and records in it the target checks the report prints (they are written to the JSON too). */
export function printReport(report: Report): void {
  const out = [...header(report), scenarioTable(report), ...clusterSection(report), ...growthSection(report)];
  out.push(...memorySection(report));
  if (report.peers) out.push(`\n${peersTable(report.peers)}`);
  report.targets = targetChecks(report);
  out.push('\nTargets:\n');
  out.push(
    table(
      ['target', 'measured', 'met'],
      report.targets.map((check) => [
        check.target,
        check.measured,
        check.met === null ? 'n/a' : check.met ? 'yes' : 'NO',
      ]),
    ),
  );
  const notes = scenarioNotes(report);
  if (notes.length) out.push(`\nNotes:\n${notes.join('\n')}`);
  console.log(out.join('\n'));
}
