// The bench's result (also written as JSON) and its table on stdout.
import type { Measurement, Outcome, Timing } from './measure.ts';

export interface ScenarioResult {
  id: string;
  title: string;
  castellan: Outcome;
  bare: Outcome | null;
}

export interface ClusterResult {
  id: string;
  title: string;
  oneWorker: Outcome;
  twoWorkers: Outcome;
}

export interface GrowthPoint {
  label: string;
  /** OIDC documents (tokens, sessions, …) stored when the point was measured: they grow along, a confounder. */
  oidcDocuments: number;
  token: Outcome;
  userinfo: Outcome;
}

export interface GrowthRatio {
  name: string;
  small: string;
  large: string;
  points: [GrowthPoint, GrowthPoint];
}

export type GrowthResult = { points: GrowthPoint[]; ratios: GrowthRatio[] } | { missing: string };

export interface MemoryResult {
  pid: number;
  warmRssMb: number;
  peakRssMb: number;
  afterRssMb: number;
}

export interface Report {
  mode: 'quick' | 'full';
  startedAt: string;
  durationSeconds?: number;
  /** loadAverage: the 1-minute load average before and after the run (anything else running distorts the figures). */
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    os: string;
    database: string;
    loadAverage: number[];
  };
  timing: Timing;
  growthTiming: Timing;
  concurrency: number;
  growthConcurrency: number;
  scenarios: ScenarioResult[];
  cluster: ClusterResult[];
  growth: GrowthResult | null;
  memory: MemoryResult[];
  targets?: TargetCheck[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

const GROWTH_LIMIT = 1.3;

function measured(outcome: Outcome | null | undefined): Measurement | null {
  return outcome && 'measurement' in outcome ? outcome.measurement : null;
}

function missingNote(outcome: Outcome | null | undefined): string {
  if (!outcome) return '—';
  return 'missing' in outcome ? 'n/a (feature missing)' : '';
}

const number = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** p50 latency ratio (large data set / small): the cost of the data around a request. */
export function growthRatio(small: Outcome, large: Outcome): number | null {
  const a = measured(small);
  const b = measured(large);
  return a?.requests && b?.requests ? b.latencyMs.p50 / a.latencyMs.p50 : null;
}

function targetChecks(report: Report): TargetCheck[] {
  const scenario = (id: string): ScenarioResult | undefined => report.scenarios.find((row) => row.id === id);
  const checks: TargetCheck[] = [];
  const cc = scenario('cc-opaque');
  if (cc) {
    const ours = measured(cc.castellan);
    const bare = measured(cc.bare);
    checks.push({
      target: 'client credentials ≥ 1,500/s (2 workers)',
      measured: ours ? `${number(ours.requestsPerSecond)}/s` : 'n/a',
      met: ours ? ours.requestsPerSecond >= 1500 : null,
    });
    checks.push({
      target: "client credentials ≥ 50% of the bare library's",
      measured: ours && bare ? `${number((100 * ours.requestsPerSecond) / bare.requestsPerSecond)}%` : 'n/a',
      met: ours && bare ? ours.requestsPerSecond >= bare.requestsPerSecond / 2 : null,
    });
  }
  const introspection = measured(scenario('introspection')?.castellan);
  if (scenario('introspection')) {
    checks.push({
      target: `introspection ≥ 2,000/s with p99 < 50 ms at ${report.concurrency}`,
      measured: introspection
        ? `${number(introspection.requestsPerSecond)}/s, p99 ${number(introspection.latencyMs.p99, 1)} ms`
        : 'n/a',
      met: introspection ? introspection.requestsPerSecond >= 2000 && introspection.latencyMs.p99 < 50 : null,
    });
  }
  const login = measured(scenario('login')?.castellan);
  if (scenario('login'))
    checks.push({
      target: 'full password logins ≥ 60/s',
      measured: login ? `${number(login.requestsPerSecond, 1)}/s` : 'n/a',
      met: login ? login.requestsPerSecond >= 60 : null,
    });
  const errors = report.scenarios.reduce((sum, row) => sum + (measured(row.castellan)?.errors ?? 0), 0);
  checks.push({ target: 'zero errors', measured: String(errors), met: errors === 0 });
  if (report.growth && 'ratios' in report.growth) {
    for (const ratio of report.growth.ratios) {
      for (const metric of ['token', 'userinfo'] as const) {
        const value = growthRatio(ratio.points[0][metric], ratio.points[1][metric]);
        checks.push({
          target: `growth ${ratio.name}, ${metric} p50 ≤ ${GROWTH_LIMIT}`,
          measured: value === null ? 'n/a' : `×${number(value, 2)}`,
          met: value === null ? null : value <= GROWTH_LIMIT,
        });
      }
    }
  }
  for (const worker of report.memory) {
    checks.push({
      target: `worker ${worker.pid}: peak RSS < 250 MB`,
      measured: `${worker.peakRssMb} MB`,
      met: worker.peakRssMb < 250,
    });
    checks.push({
      target: `worker ${worker.pid}: RSS after the run within 10% of warm`,
      measured: `${worker.afterRssMb} / ${worker.warmRssMb} MB`,
      met: worker.warmRssMb > 0 ? worker.afterRssMb <= worker.warmRssMb * 1.1 : null,
    });
  }
  return checks;
}

export function printReport(report: Report): void {
  const { machine } = report;
  const out: string[] = [];
  out.push(`\n## Castellan bench (${report.mode}), ${report.startedAt}`);
  out.push(
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}; database: ${machine.database}`,
  );
  out.push(
    `Load average (1 min) before / after the run: ${machine.loadAverage.map((load) => number(load, 2)).join(' / ')} (on ${machine.cpus} CPUs; more than the bench's own processes means the figures are distorted).`,
  );
  out.push(
    `${report.timing.seconds}s per scenario after ${report.timing.warmupSeconds}s warm-up, ${report.concurrency} concurrent requests; Castellan with 2 workers; bare = node-oidc-provider, in-memory, 1 process.`,
  );
  out.push('CPU = server CPU ms per request (+ database CPU ms per request); ratio = Castellan req/s ÷ bare req/s.\n');
  out.push(
    table(
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
    ),
  );
  if (report.cluster.length) {
    out.push('\nCluster mode (1 worker vs 2 workers, each measured right after its start with no stored tokens):\n');
    out.push(
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
    );
  }
  if (report.growth) {
    out.push(
      `\nGrowth (one user's token issuance = refresh grant, and userinfo; p50 latency at ${report.growthConcurrency} concurrent requests; target ratio ≤ ${GROWTH_LIMIT}):\n`,
    );
    if ('missing' in report.growth) out.push(`n/a (feature missing: ${report.growth.missing.slice(0, 200)})`);
    else {
      const cell = (small: Outcome, large: Outcome): string => {
        const a = measured(small);
        const b = measured(large);
        const ratio = growthRatio(small, large);
        if (!a || !b) return 'n/a (feature missing)';
        return ratio === null
          ? 'no request completed'
          : `${number(a.latencyMs.p50, 1)} → ${number(b.latencyMs.p50, 1)} ms (×${number(ratio, 2)})`;
      };
      out.push(
        table(
          ['data growth', 'token issuance p50', 'userinfo p50', 'OIDC documents stored'],
          report.growth.ratios.map((ratio) => [
            ratio.name,
            cell(ratio.points[0].token, ratio.points[1].token),
            cell(ratio.points[0].userinfo, ratio.points[1].userinfo),
            `${number(ratio.points[0].oidcDocuments)} → ${number(ratio.points[1].oidcDocuments)}`,
          ]),
        ),
      );
    }
  }
  if (report.memory.length) {
    out.push(
      '\nMemory per worker (resident, MB): warm = after a warm pass over every scenario, peak = highest sample under load, after = idle after the whole run:\n',
    );
    out.push(
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
    );
  }
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
  const notes = report.scenarios.flatMap((row) =>
    [
      ['Castellan', row.castellan],
      ['bare', row.bare],
    ].flatMap(([who, outcome]) => {
      const result = outcome as Outcome | null;
      if (!result) return [];
      if ('missing' in result) return [`- ${row.id} (${who as string}): n/a: ${result.missing.slice(0, 300)}`];
      return result.measurement.errorSamples.length
        ? [`- ${row.id} (${who as string}): errors, e.g. ${result.measurement.errorSamples.slice(0, 2).join(' | ')}`]
        : [];
    }),
  );
  if (notes.length) out.push(`\nNotes:\n${notes.join('\n')}`);
  console.log(out.join('\n'));
}
