// Where a Castellan process's resident memory is: asked of the probe (memory-probe.ts) the bench loads into it.
import { fileURLToPath } from 'node:url';

export const MEMORY_PROBE_SIGNAL = 'SIGUSR2';
export const MEMORY_PROBE_KEY = 'castellanMemoryProbe';

/** Resident memory of one process by what holds it, in MB. */
export interface MemoryBreakdown {
  rss: number;
  /** What V8's heap has resident (`total_physical_size`): live objects and garbage not collected yet. */
  heapResident: number;
  heapUsed: number;
  /** Young generation (semi-spaces) resident. */
  newSpace: number;
  /** Memory V8 knows is held outside its heap for JS objects (Buffers, ArrayBuffers: `external`). */
  external: number;
  /**
   * Anonymous resident memory outside V8's heap spaces: malloc's arenas (`external` included, and argon2's 7 MiB
   * blocks), thread stacks, and the freed heap pages V8 keeps in its pool (src/process/idle-memory.ts).
   */
  nativeAnonymous: number;
  /** File-backed resident pages (the node binary, ICU data, shared libraries). */
  files: number;
}

/** A probe's answer: its process's memory now, and at its highest resident sample since the previous question. */
export interface ProbeAnswer {
  pid: number;
  now: MemoryBreakdown;
  peak: MemoryBreakdown;
}

export const MEMORY_PROBE_MODULE = fileURLToPath(new URL('memory-probe.ts', import.meta.url));
const ANSWER_TIMEOUT_MS = 5_000;

/** Collects the probes' answers from a server's output lines and asks its processes by signal. */
export class MemoryProbeAnswers {
  readonly #waiting = new Map<number, (answer: ProbeAnswer) => void>();

  observe(line: string): void {
    if (!line.includes(MEMORY_PROBE_KEY)) return;
    const answer = (JSON.parse(line) as Record<string, ProbeAnswer>)[MEMORY_PROBE_KEY]!;
    this.#waiting.get(answer.pid)?.(answer);
    this.#waiting.delete(answer.pid);
  }

  /** Each process's answer; a process that does not answer in time (it exited) is left out. */
  async ask(pids: number[]): Promise<ProbeAnswer[]> {
    const answers = await Promise.all(
      pids.map(
        (pid) =>
          new Promise<ProbeAnswer | null>((resolve) => {
            const timer = setTimeout(() => resolve(null), ANSWER_TIMEOUT_MS);
            this.#waiting.set(pid, (answer) => {
              clearTimeout(timer);
              resolve(answer);
            });
            process.kill(pid, MEMORY_PROBE_SIGNAL);
          }),
      ),
    );
    return answers.filter((answer) => answer !== null);
  }
}
