/** Exponential backoff: the wait after failed attempt n (1-based) is base · 2^(n−1), at most `maxMs`. */
export function retryDelayMs(failedAttempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failedAttempt - 1));
}
