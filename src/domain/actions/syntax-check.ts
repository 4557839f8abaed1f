import { actionRuntime } from './runtime.ts';

/** Compiling takes a few milliseconds; this only bounds a pathological script (or a busy pool). */
const COMPILE_TIMEOUT_MS = 2_000;

/**
 * Why a script does not parse, as "line N: SyntaxError: …", or null: compiled by QuickJS in the sandbox (never run),
 * in strict mode as it runs (domain/actions/guest-source.ts; the directive is put on its first line, so lines count
 * as in the script). ZITADEL finds a broken script only when a flow runs it; refusing it on save keeps a login from
 * failing on a typo.
 */
export async function scriptSyntaxProblem(script: string): Promise<string | null> {
  const runtime = actionRuntime();
  const outcome = await runtime.pool.run({
    source: `"use strict";${script}`,
    input: null,
    timeoutMs: COMPILE_TIMEOUT_MS,
    memoryBytes: runtime.config.memoryBytes,
    allowedHosts: [],
    fetchTimeoutMs: 0,
    outbound: runtime.outbound,
    compileOnly: true,
  });
  if (outcome.ok) return null;
  return outcome.line === undefined ? outcome.error : `line ${outcome.line}: ${outcome.error}`;
}
