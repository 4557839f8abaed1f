// Background work in paced steps (platform/pacer.ts): a pause proportional to each step, steps of several jobs taking
// turns, the event loop free between steps. A fake clock makes the durations exact: no timing assertion.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer, pauseAfter, type PacerClock } from '../../src/platform/pacer.ts';

/** A clock that only moves when work says it took time, and records the pauses asked for. */
function fakeClock(): PacerClock & { advance(ms: number): void; pauses: number[] } {
  let now = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    advance: (ms) => (now += ms),
    sleep: async (ms) => {
      pauses.push(ms);
      now += ms;
    },
  };
}

describe('pacer', () => {
  it('pauses in proportion to the step: work takes the duty cycle of the wall time, at most the longest pause', () => {
    assert.equal(pauseAfter(10, { dutyCycle: 0.1, maxPauseMs: 1000 }), 90);
    assert.equal(pauseAfter(10, { dutyCycle: 0.5, maxPauseMs: 1000 }), 10);
    assert.equal(pauseAfter(10, { dutyCycle: 1, maxPauseMs: 1000 }), 0);
    assert.equal(pauseAfter(500, { dutyCycle: 0.1, maxPauseMs: 2000 }), 2000);
  });

  it('runs the steps of several jobs one at a time, each followed by its pause', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ dutyCycle: 0.2, maxPauseMs: 10_000 }, clock);
    const log: string[] = [];
    let working = 0;
    const job = async (name: string, stepMs: number, steps: number): Promise<void> => {
      for (let step = 0; step < steps; step++)
        await pacer.step(async () => {
          working++;
          assert.equal(working, 1, 'two steps at once');
          await new Promise((resolve) => setImmediate(resolve));
          clock.advance(stepMs);
          log.push(`${name}${step}`);
          working--;
        });
    };
    await Promise.all([job('a', 10, 3), job('b', 20, 2)]);
    assert.deepEqual(log, ['a0', 'b0', 'a1', 'b1', 'a2']);
    assert.deepEqual(clock.pauses, [40, 80, 40, 80, 40]);
    // Work 70 ms of 350: the duty cycle.
    assert.equal(clock.now(), 350);
  });

  it('a failed step does not stop the others; its error reaches its own job', async () => {
    const pacer = new Pacer({ dutyCycle: 1, maxPauseMs: 0 }, fakeClock());
    const failed = pacer.step(() => Promise.reject(new Error('batch failed')));
    const next = pacer.step(async () => 'done');
    await assert.rejects(failed, /batch failed/);
    assert.equal(await next, 'done');
  });

  it('lets the event loop answer others between steps, even with no pause to make', async () => {
    const pacer = new Pacer({ dutyCycle: 1, maxPauseMs: 0 });
    let answered = false;
    await pacer.step(async () => {
      setImmediate(() => (answered = true));
    });
    assert.ok(answered, 'a callback queued during the step ran before the next one');
  });
});
