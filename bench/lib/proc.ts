// Server-side cost, read from /proc so that the measured processes need no instrumentation.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux this runs on). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function statusKilobytes(pid: number, field: 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

export function rssMegabytes(pid: number): number {
  return statusKilobytes(pid, 'VmRSS') / 1024;
}

/** Direct children of a process (cluster workers of a primary, FerretDB under its guardian shell). */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

export function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Samples the resident memory of a set of processes while a load runs; the peak of each is what a
 * sizing decision needs (VmHWM would include start-up and earlier scenarios).
 */
export class RssSampler {
  readonly #pids: number[];
  readonly #peak = new Map<number, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(pids: number[], intervalMs = 100) {
    this.#pids = pids;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
  }

  #sample(): void {
    for (const pid of this.#pids) this.#peak.set(pid, Math.max(this.#peak.get(pid) ?? 0, rssMegabytes(pid)));
  }

  stop(): Map<number, number> {
    clearInterval(this.#timer);
    this.#sample();
    return this.#peak;
  }
}

/**
 * On-CPU nanoseconds of every thread of a process so far (/proc/<pid>/task/<tid>/schedstat: the libuv threads and
 * V8's collector threads included), where /proc/<pid>/stat counts in 10 ms ticks.
 */
export function threadNanoseconds(pid: number | null): number {
  if (pid === null) return 0;
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}
