import { verifyPassword } from '../platform/passwords.ts';

/**
 * The password step for a login name that names no user (with `ignoreUnknownUsernames`): the same hash check as a
 * wrong password, so that the answer's timing does not tell that the user does not exist.
 */
export async function verifyPasswordOfUnknownUser(password: string): Promise<'wrong'> {
  const started = performance.now();
  await verifyPassword(null, password);
  // The hash check is most of the time, but not all of it: a wrong password also reads and writes (the attempt, the
  // event). The rest is waited out, up to the typical time of a wrong password in this process.
  const rest = wrongPasswordTime.typical() - (performance.now() - started);
  if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
  return 'wrong';
}

/** How long a wrong password takes to check in this process (ms): the median of the last 31. */
export const wrongPasswordTime = {
  samples: [] as number[],
  next: 0,
  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % 31;
  },
  typical(): number {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[sorted.length >> 1] ?? 0;
  },
};
