import { deleteOidcArtifacts, instancesBeingRemoved, type DeletionBatches } from '../../store/queries/instance-data.ts';

/**
 * Removing an instance deletes its sessions, codes and tokens by reading the provider's collections whole
 * (store/queries/instance-data.ts): one pass serves every instance marked `removing` before it began, so removals
 * running together in this process share passes instead of each making its own.
 */
let sequence = 0;
let lastFinishedStart = 0;
let running: Promise<number> | null = null;

/** A point in this process's order of events: a pass started after it sees every write made before it. */
export function sweepSequence(): number {
  return ++sequence;
}

function startPass(batches: DeletionBatches): Promise<number> {
  const startedAt = sweepSequence();
  const pass = instancesBeingRemoved()
    .then((instanceIds) => deleteOidcArtifacts(instanceIds, batches))
    .then((deleted) => {
      lastFinishedStart = Math.max(lastFinishedStart, startedAt);
      return deleted;
    })
    .finally(() => (running = null));
  running = pass;
  return pass;
}

/**
 * Resolves once a pass that started after `markedAt` (the instance's marking as `removing`, sweepSequence()) has
 * finished, with what this caller's own pass deleted (0 when it joined another's). A pass it joined that failed is
 * not enough: it goes on with a pass of its own, whose failure is its own.
 */
export async function sweepOidcArtifactsAfter(markedAt: number, batches: DeletionBatches): Promise<number> {
  while (lastFinishedStart < markedAt) {
    if (!running) return startPass(batches);
    await running.catch(() => undefined);
  }
  return 0;
}
