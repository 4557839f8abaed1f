import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, it, mock } from 'node:test';
import { id as apiIdSchema } from '../../src/http/api/schemas.ts';
import { projectRoot } from '../../src/platform/config.ts';
import { newId } from '../../src/platform/ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const millisOf = (id: string): number => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
const counterOf = (id: string): number => parseInt(id.slice(15, 18), 16);

/** Stops the clock on a millisecond no id has been made in yet (real time, or past a borrowed millisecond). */
function freezeClockAtFreshMillisecond(): number {
  const fresh = millisOf(newId()) + 1;
  mock.timers.enable({ apis: ['Date'], now: fresh });
  return fresh;
}

function assertIncreasing(ids: string[], label: string): void {
  for (let index = 1; index < ids.length; index++)
    assert.ok(ids[index - 1]! < ids[index]!, `${label}: ${ids[index - 1]} before ${ids[index]}`);
}

/** Ids made by `processes` node processes at once, each list in the order its process made them. */
async function idsFromProcesses(processes: number, idsEach: number): Promise<string[][]> {
  // Every process waits for the same instant, so that they create ids in the same milliseconds.
  const startAt = Date.now() + 1_000;
  const moduleUrl = pathToFileURL(`${projectRoot}/src/platform/ids.ts`).href;
  const script = `
    import { newId } from ${JSON.stringify(moduleUrl)};
    while (Date.now() < ${startAt});
    const ids = [];
    for (let i = 0; i < ${idsEach}; i++) ids.push(newId());
    process.stdout.write(ids.join('\\n'));`;
  return Promise.all(
    Array.from({ length: processes }, async () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0);
      return output.split('\n');
    }),
  );
}

describe('ids (UUIDv7)', () => {
  it('are RFC 9562 version 7 UUIDs stamped with the current time, and valid management API ids', () => {
    const before = Date.now();
    const made = newId();
    assert.match(made, UUID_V7);
    assert.ok(millisOf(made) >= before && millisOf(made) <= Date.now(), 'timestamp is the creation time');
    assert.ok(apiIdSchema.safeParse(made).success);
  });

  it('increase strictly within one millisecond, counting up, and across milliseconds', () => {
    const frozenAt = freezeClockAtFreshMillisecond();
    try {
      const sameMillisecond = Array.from({ length: 100 }, newId);
      assert.deepEqual([...new Set(sameMillisecond.map(millisOf))], [frozenAt]);
      assert.deepEqual(
        sameMillisecond.map(counterOf),
        sameMillisecond.map((_, index) => index),
      );
      mock.timers.tick(1);
      const nextMillisecond = newId();
      assert.equal(millisOf(nextMillisecond), frozenAt + 1);
      assert.equal(counterOf(nextMillisecond), 0);
      assertIncreasing([...sameMillisecond, nextMillisecond], 'one process');
    } finally {
      mock.timers.reset();
    }
  });

  it('stay in order past 4,096 ids in a millisecond and when the clock goes back', () => {
    const frozenAt = freezeClockAtFreshMillisecond();
    try {
      const burst = Array.from({ length: 5_000 }, newId);
      assert.equal(millisOf(burst[4_095]!), frozenAt);
      assert.equal(millisOf(burst[4_096]!), frozenAt + 1, 'the 4,097th id borrows the next millisecond');
      mock.timers.setTime(frozenAt - 10_000);
      const afterClockWentBack = Array.from({ length: 10 }, newId);
      assertIncreasing([...burst, ...afterClockWentBack], 'burst and clock going back');
    } finally {
      mock.timers.reset();
    }
  });

  it('never collide across processes creating at once (4 × 50,000), each process in order', async () => {
    const perProcess = await idsFromProcesses(4, 50_000);
    perProcess.forEach((ids, index) => {
      assert.equal(ids.length, 50_000);
      ids.forEach((made) => assert.match(made, UUID_V7));
      assertIncreasing(ids, `process ${index}`);
    });
    const all = perProcess.flat();
    assert.equal(new Set(all).size, all.length, 'no duplicates');
    // The test means something only if processes did create ids in the same milliseconds.
    const processesPerMillisecond = new Map<number, Set<number>>();
    perProcess.forEach((ids, index) =>
      ids.forEach((made) =>
        processesPerMillisecond.set(
          millisOf(made),
          (processesPerMillisecond.get(millisOf(made)) ?? new Set()).add(index),
        ),
      ),
    );
    const shared = [...processesPerMillisecond.values()].filter((processes) => processes.size > 1).length;
    assert.ok(shared > 0, 'some milliseconds were shared by several processes');
  });
});
