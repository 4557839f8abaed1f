import type { OutboundPolicy } from '../outbound-fetch.ts';

/**
 * What the main thread and a sandbox thread (platform/sandbox/worker.mjs) exchange. The sandbox knows nothing of what
 * it runs: a job is source code with one JSON input (`__inputJson` in the guest), a `__record(name, argsJson)` host
 * function whose calls come back as operations, and, only for a job with allowed hosts, a synchronous
 * `__fetch(url, optionsJson)` that answers `{status, body}` or `{error}` (made by the main thread).
 */
export interface SandboxJob {
  source: string;
  input: unknown;
  /** The interpreter is interrupted past this (an interrupt handler inside the worker). */
  timeoutMs: number;
  /** QuickJS's own heap limit. */
  memoryBytes: number;
  /** Hosts `__fetch` may reach (exact host names, with the port when not the scheme's); empty: no `__fetch` at all. */
  allowedHosts: readonly string[];
  fetchTimeoutMs: number;
  /** What `__fetch` may reach (platform/outbound-fetch.ts). */
  outbound: OutboundPolicy;
  /** Compile the source without running it: the outcome tells whether it parses (and, if not, at which line). */
  compileOnly?: boolean;
}

export interface SandboxOperation {
  name: string;
  args: unknown[];
}

export type SandboxOutcome =
  | { ok: true; operations: SandboxOperation[] }
  | {
      ok: false;
      error: string;
      operations: SandboxOperation[];
      /** Where the source failed, when known. */ line?: number;
    };

/** A guest's `__fetch`, which the sandbox thread asks the main thread to make (platform/sandbox/guest-fetch.ts). */
export interface GuestFetchRequest {
  url: string;
  optionsJson: string;
  /** What is left of the job's deadline, at most its `fetchTimeoutMs`. */
  timeoutMs: number;
}

/** Main thread to sandbox thread: a job to run, or the answer (`{status, body}` or `{error}`, JSON) to its fetch. */
export type WorkerRequest = { id: number; job: SandboxJob } | { id: number; fetched: string };

/** Sandbox thread to main thread: it can take jobs, a job's outcome, or the running job's fetch to make. */
export type WorkerReply =
  { ready: true } | { id: number; outcome: SandboxOutcome } | { id: number; fetch: GuestFetchRequest };

/** Largest response body `__fetch` hands to a script. */
export const MAX_FETCH_BODY_BYTES = 1024 * 1024;

/** Whether `url` may be fetched: http(s) to one of the allowed hosts exactly. */
export function fetchAllowed(url: string, allowedHosts: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && allowedHosts.includes(parsed.host);
}
