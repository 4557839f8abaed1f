import { AsyncLocalStorage } from 'node:async_hooks';
import { LRUCache } from 'lru-cache';
import type { AdapterPayload } from 'oidc-provider';
import { MongoAdapter } from './adapter.ts';

/** Set while a login page reads its interaction only to show it (`readForDisplay`). */
const forDisplay = new AsyncLocalStorage<true>();

/**
 * Runs `read` (the provider's `interactionDetails`) so that the interaction it looks up may be the copy this process
 * stored or read last, not a database read. Only for a request that shows the login without writing it (the login
 * name page, the answer to a login name): a step that writes the interaction (its result) must read it without this,
 * since another process may have finished or ended it since (http/login/interaction.ts `finish` reads it again).
 */
export function readForDisplay<T>(read: () => Promise<T>): Promise<T> {
  return forDisplay.run(true, read);
}

/** The interaction as stored (the adapter's JSON), until it expires; `null`: ended (destroyed) in this process. */
type Copy = { payload: string; expiresAt: number } | null;

/**
 * Recent interactions of every instance of this process, by stored `_id` (instance-prefixed). An interaction is
 * written by the authorization request, by the step that finishes the login (its result) and deleted at resume, and
 * the login's requests mostly reach the process that served the one before (a browser keeps its connection): the
 * pages in between read this copy. Bounded in bytes; a copy older than a minute is read again (a person is slower
 * than that between two pages, and a copy of an interaction another process ended is shown for that long at most).
 */
const recent = new LRUCache<string, { copy: Copy }>({
  maxSize: 2 * 1024 * 1024,
  sizeCalculation: ({ copy }) => 64 + (copy?.payload.length ?? 0),
  ttl: 60_000,
});

/** The provider's interactions: as `MongoAdapter`, with this process's recent copies for the pages that show them. */
export class InteractionAdapter extends MongoAdapter {
  readonly #prefix: string;

  constructor(instanceId: string) {
    super('Interaction', instanceId);
    this.#prefix = `${instanceId}:`;
  }

  override async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = this.#prefix + id;
    // A save that fails leaves no copy that the database does not hold.
    recent.delete(key);
    await super.upsert(id, payload, expiresIn);
    recent.set(key, { copy: { payload: JSON.stringify(payload), expiresAt: Date.now() + expiresIn * 1000 } });
  }

  override async find(id: string): Promise<AdapterPayload | undefined> {
    const key = this.#prefix + id;
    const known = recent.peek(key);
    if (known && forDisplay.getStore()) {
      const { copy } = known;
      return copy && copy.expiresAt > Date.now() ? (JSON.parse(copy.payload) as AdapterPayload) : undefined;
    }
    const found = await super.find(id);
    // Kept unless this process ended the interaction, or wrote or ended it while the read was on its way.
    if (found && typeof found.exp === 'number' && known?.copy !== null && recent.peek(key) === known)
      recent.set(key, { copy: { payload: JSON.stringify(found), expiresAt: found.exp * 1000 } });
    return found;
  }

  override async destroy(id: string): Promise<void> {
    const key = this.#prefix + id;
    // Ended before the deletion is sent: a page of this login shown from now on says that it has ended.
    recent.set(key, { copy: null });
    await super.destroy(id);
  }
}
