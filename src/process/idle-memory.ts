import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Gives the memory a burst of requests left behind back to the system once the process is idle again.
 *
 * V8 (13.6, Node 24) keeps the heap pages a garbage collection frees in a pool for reuse, resident, and empties that
 * pool only in a memory-reducing collection. Its memory reducer would run one when the process idles, but it judges
 * idleness by the allocation rate measured at the last collection, which under load was high and, with no collection
 * while idle, stays so: it keeps waiting ("Memory reducer: high alloc", `--trace-memory-reducer`) until its watchdog
 * fires after more than 100 s. Meanwhile a worker stays as large as its heap was at its peak (measured under the
 * bench: 30-50 MB above its warm size after a run of logins, where a memory-reducing collection brings it back).
 * So each process samples its event loop's utilization, and after an interval of real work followed by an idle one
 * runs that collection itself, once per burst: it takes about 50-100 ms of the main thread while nothing else waits.
 */

const CHECK_INTERVAL_MS = 1_000;
/** An interval with the event loop busy this much of the time served a burst (a login costs 25-30 ms of it). */
const BUSY_UTILIZATION = 0.2;
/** Below this, the process only runs its timers (cache revision polls, the sweeper, the driver's heartbeats). */
const IDLE_UTILIZATION = 0.05;

/** The decision, sample by sample: release once after busy intervals, when an idle one follows. */
export class IdleMemoryRelease {
  #busySinceRelease = false;

  /** Takes one interval's event-loop utilization (0-1); true when the memory should be released now. */
  sample(utilization: number): boolean {
    if (utilization >= BUSY_UTILIZATION) this.#busySinceRelease = true;
    else if (utilization < IDLE_UTILIZATION && this.#busySinceRelease) {
      this.#busySinceRelease = false;
      return true;
    }
    return false;
  }
}

/**
 * The gc() of `--expose-gc`, taken from a context of its own while the flag is set briefly, so that no global `gc` is
 * exposed to the process's own code. Its `last-resort` flavour is V8's memory-reducing full collection
 * (`Heap::CollectAllAvailableGarbage`), the one that also releases the pooled pages.
 */
function memoryReducingCollection(): () => void {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: Record<string, string>) => void;
  v8.setFlagsFromString('--no-expose-gc');
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** Starts watching this process's event loop; returns the function that stops it. */
export function startIdleMemoryRelease(options: { intervalMs?: number } = {}): () => void {
  const collect = memoryReducingCollection();
  const decision = new IdleMemoryRelease();
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    if (decision.sample(utilization)) {
      collect();
      // The collection's own time is not the next interval's work.
      last = performance.eventLoopUtilization();
    } else last = now;
  }, options.intervalMs ?? CHECK_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
