// Where a Castellan process's resident memory is: asked of the probe (memory-probe.ts) the bench loads into it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder the probes answer in, one file per process. */
export const MEMORY_PROBE_DIR_VARIABLE = 'CASTELLAN_MEMORY_PROBE_DIR';

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
   * blocks), thread stacks, the freed heap pages V8 keeps in its pool (src/process/idle-memory.ts), and worker
   * threads' ArrayBuffers (their heaps are `threadsHeap`).
   */
  nativeAnonymous: number;
  /** File-backed resident pages (the node binary, ICU data, shared libraries). */
  files: number;
  /** The process's worker threads (the actions sandbox's): how many, their isolates' heaps, their ArrayBuffers. */
  threads?: number;
  threadsHeap?: number;
  /** Of which QuickJS's WebAssembly memories: counted in `nativeAnonymous`, not in `threadsHeap`. */
  threadsExternal?: number;
}

/** A probe's answer: its process's memory now, and at its highest resident sample since the previous question. */
export interface ProbeAnswer {
  pid: number;
  now: MemoryBreakdown;
  peak: MemoryBreakdown;
}

export const MEMORY_PROBE_MODULE = fileURLToPath(new URL('memory-probe.mjs', import.meta.url));
const ANSWER_TIMEOUT_MS = 5_000;
const POLL_MS = 20;

export function probeAnswerFile(dir: string, pid: number): string {
  return path.join(dir, `${pid}.json`);
}

export function probeQuestionFile(dir: string, pid: number): string {
  return path.join(dir, `${pid}.question`);
}

function readAnswer(file: string): ProbeAnswer | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProbeAnswer;
  } catch {
    return null;
  }
}

/** Asks each process and waits for its answer; a process that does not answer in time (it exited) is left out. */
export async function askMemoryProbes(dir: string, pids: number[]): Promise<ProbeAnswer[]> {
  const files = pids.map((pid) => probeAnswerFile(dir, pid));
  for (const file of files) rmSync(file, { force: true });
  for (const pid of pids) writeFileSync(probeQuestionFile(dir, pid), '');
  const answers = new Map<string, ProbeAnswer>();
  for (const deadline = Date.now() + ANSWER_TIMEOUT_MS; answers.size < files.length && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    for (const file of files) {
      const answer = answers.has(file) ? null : readAnswer(file);
      if (answer) answers.set(file, answer);
    }
  }
  return files.flatMap((file) => answers.get(file) ?? []);
}
