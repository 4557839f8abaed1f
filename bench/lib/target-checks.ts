// The figures the bench is expected to reach (the report's "Targets"), checked against one run's result.
import type { Outcome } from './measure.ts';
import type { Report, ScenarioResult, TargetCheck } from './report.ts';
import { measured, number } from './table.ts';

export const GROWTH_LIMIT = 1.3;

/** p50 latency ratio (large data set / small): the cost of the data around a request. */
export function growthRatio(small: Outcome, large: Outcome): number | null {
  const a = measured(small);
  const b = measured(large);
  return a?.requests && b?.requests ? b.latencyMs.p50 / a.latencyMs.p50 : null;
}

export function targetChecks(report: Report): TargetCheck[] {
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
  const totpLogin = measured(scenario('login-totp')?.castellan);
  if (scenario('login-totp'))
    checks.push({
      target: 'password + TOTP logins ≥ 80% of password logins',
      measured:
        totpLogin && login ? `${number((100 * totpLogin.requestsPerSecond) / login.requestsPerSecond)}%` : 'n/a',
      met: totpLogin && login ? totpLogin.requestsPerSecond >= 0.8 * login.requestsPerSecond : null,
    });
  const actionLogin = measured(scenario('login-action')?.castellan);
  if (scenario('login-action')) {
    const added = actionLogin && login ? actionLogin.serverCpuMsPerRequest - login.serverCpuMsPerRequest : null;
    checks.push({
      target: 'one trivial complement-token action adds ≤ 2 ms CPU per login',
      measured: added === null ? 'n/a' : `${number(added, 2)} ms`,
      met: added === null ? null : added <= 2,
    });
  }
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
