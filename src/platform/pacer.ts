import { setImmediate as yieldToOthers, setTimeout as sleep } from 'node:timers/promises';

/** How much of the wall time background work may take, and the longest pause after one of its steps. */
export interface Pacing {
  /** Between 0 and 1: the share of wall time spent working (0.1: a step of 10 ms is followed by a pause of 90 ms). */
  dutyCycle: number;
  maxPauseMs: number;
}

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<unknown>;
}

/** No pause still goes round the event loop: what was queued meanwhile (requests' I/O, immediates) runs first. */
const wallClock: PacerClock = { now: () => performance.now(), sleep: (ms) => (ms > 0 ? sleep(ms) : yieldToOthers()) };

/** The pause that makes a step of `workMs` take `dutyCycle` of the step and its pause together. */
export function pauseAfter(workMs: number, pacing: Pacing): number {
  return Math.min(pacing.maxPauseMs, (workMs * (1 - pacing.dutyCycle)) / pacing.dutyCycle);
}

/**
 * Runs background work (an instance's removal, store/queries/instance-data.ts) in steps, each followed by a pause
 * proportional to the time it took, so that the work takes at most `dutyCycle` of the wall time and requests (and the
 * database's share of the machine) get the rest. The steps of every job sharing one pacer take turns, one at a time:
 * several jobs together keep the same share instead of multiplying it. The event loop answers requests between steps
 * whatever the duty cycle.
 */
export class Pacer {
  readonly #pacing: Pacing;
  readonly #clock: PacerClock;
  #turn: Promise<unknown> = Promise.resolve();

  constructor(pacing: Pacing, clock: PacerClock = wallClock) {
    this.#pacing = pacing;
    this.#clock = clock;
  }

  /** Runs `work` once the previous step and its pause are over; resolves with its result after its own pause. */
  step<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(async () => {
      const started = this.#clock.now();
      try {
        return await work();
      } finally {
        await this.#clock.sleep(pauseAfter(this.#clock.now() - started, this.#pacing));
      }
    });
    this.#turn = run.catch(() => undefined);
    return run;
  }
}
