import type { Context } from 'koa';
import { LRUCache } from 'lru-cache';
import { Counter, register } from 'prom-client';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitName, RateLimitRule, RateLimits } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { storedRateLimits } from '../../store/queries/instance-settings.ts';
import { countRateLimitHits, forgetRateLimitHits } from '../../store/queries/rate-limit-hits.ts';

const REJECTIONS = 'castellan_rate_limit_rejections_total';
/** On prom-client's global register, so that one /metrics serves every metric of the process. */
const rejections =
  (register.getSingleMetric(REJECTIONS) as Counter<'limit'> | undefined) ??
  new Counter({
    name: REJECTIONS,
    help: 'Requests refused with 429 by a throttle, by throttle',
    labelNames: ['limit'],
  });

/** A throttle and what it counts for this request (a login name, a client id, an IP address, a caller). */
export type ThrottleKey = [limit: RateLimitName, key: string];

/** A counted attempt: refused, or to be told how it ended. */
export interface Attempt {
  refusal: Refusal | null;
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

/** Which throttle refuses a request, and for how many seconds more. */
export interface Refusal {
  limit: RateLimitName;
  seconds: number;
}

/** Keys a throttle remembers (blocked ones, suspected ones) at most: the least recently used go first. */
const MAX_REMEMBERED_KEYS = 100_000;

/**
 * Keys and until when (ms), at most `maxKeys`, counted as a size of 1 each rather than with `max`: lru-cache allocates
 * its arrays for `max` entries up front, 2.6 MB for 100,000 whatever the cache holds, twice per process
 * (bench/README.md, "Worker memory"); without `max` they grow with the entries, as the instance cache's do
 * (store/cache/instance-cache.ts).
 */
function rememberedKeys(maxKeys: number): LRUCache<string, number> {
  return new LRUCache({ maxSize: maxKeys, sizeCalculation: () => 1 });
}

/**
 * The throttles (issue 13, items 6 and 12), with the limits of config/default.json's `rateLimits`, overridden rule by
 * rule by an instance's own `rateLimits`.
 *
 * Failures (wrong passwords, failed client authentications, wrong device codes) are counted where every process sees
 * them: one inserted document per attempt, counted in the window (store/queries/rate-limit-hits.ts). Not
 * rate-limiter-flexible's RateLimiterMongo: it counts with `$inc` upserts, which FerretDB v1 does not apply atomically
 * (measured: 200 concurrent consumes of one key stored 153, 50 stored 48; docs/portable-mongodb.md). Password checks
 * and device codes are counted before they are checked (`attempt`), so parallel guesses run at most the limit's
 * checks; a success takes its count back. A key that reaches its limit is then refused from memory for the window,
 * with no database round trip (another process learns of it with its next count for the key).
 *
 * Client authentication at the token endpoint is the hot path (thousands of client-credentials requests a second):
 * a request pays no database round trip unless its client id or IP address failed in this process within the window
 * (`suspected`); then it is counted before it is checked like a password. So the first parallel wave of failures of a
 * key, before any of them is counted, is not bounded; every later one is.
 *
 * Requests to the management API are counted per caller in this process's memory (rate-limiter-flexible's
 * RateLimiterMemory): a caller is authenticated, so this limit protects capacity rather than secrets, and a database
 * round trip on every request would cost more than it protects. With several processes, a caller gets the limit
 * from each.
 */
export class Throttles {
  readonly #defaults: RateLimits;
  readonly #log: Logger;
  /** Blocked keys, until when (ms). Bounded: the keys are chosen by callers. */
  readonly #blocked: LRUCache<string, number>;
  /** Keys that failed recently in this process, until when (ms). */
  readonly #suspects: LRUCache<string, number>;
  readonly #requestLimiters = new Map<string, RateLimiterMemory>();
  readonly #merged = new WeakMap<object, RateLimits>();

  /** `maxKeys`: how many blocked keys, and how many suspected ones, this process remembers at most. */
  constructor(defaults: RateLimits, log: Logger, maxKeys = MAX_REMEMBERED_KEYS) {
    this.#defaults = defaults;
    this.#log = log;
    this.#blocked = rememberedKeys(maxKeys);
    this.#suspects = rememberedKeys(maxKeys);
  }

  async rules(instanceId: string): Promise<RateLimits> {
    const own = await storedRateLimits(instanceId);
    // Merged once per stored record (a new object whenever the instance changes): every token request asks twice.
    let merged = this.#merged.get(own);
    if (!merged) {
      merged = { ...this.#defaults };
      for (const [name, rule] of Object.entries(own)) if (rule) merged[name as RateLimitName] = rule;
      this.#merged.set(own, merged);
    }
    return merged;
  }

  /**
   * Whether any key is blocked, or suspected, in this process: when not, `blocked` answers null and `suspected` false
   * for every key, and a caller on a hot path (http/middleware/provider-throttles.ts) need not ask them.
   */
  get anyBlocked(): boolean {
    return this.#blocked.size > 0;
  }

  get anySuspected(): boolean {
    return this.#suspects.size > 0;
  }

  /** The throttle that refuses one of `keys` for the longest, and for how many seconds; null when none does. */
  async blocked(instanceId: string, keys: ThrottleKey[]): Promise<Refusal | null> {
    // The usual case on the hot path: nothing is blocked in this process, so there is no key to build nor rule to read.
    if (this.#blocked.size === 0) return null;
    const rules = await this.rules(instanceId);
    let refusal: Refusal | null = null;
    for (const [limit, key] of keys) {
      if (rules[limit].max === 0) continue;
      const seconds = secondsUntil(this.#blocked.get(blockKey(instanceId, limit, key, rules[limit])) ?? 0);
      if (seconds > (refusal?.seconds ?? 0)) refusal = { limit, seconds };
    }
    return refusal;
  }

  /**
   * Counts an attempt for every key before it is checked, where every process sees it, so that parallel attempts
   * cannot run more checks than the limit: refused once a window holds more. The attempt stays counted unless
   * `succeeded` takes it back: only failures use up the limit.
   */
  async attempt(instanceId: string, keys: ThrottleKey[]): Promise<Attempt> {
    const known = await this.blocked(instanceId, keys);
    if (known) return { refusal: known, succeeded: async () => {}, failed: async () => {} };
    const rules = await this.rules(instanceId);
    const limited = keys.filter(([limit]) => rules[limit].max > 0);
    const hits = await countRateLimitHits(
      instanceId,
      limited.map(([limit, key]) => ({ limit, rawKey: key, windowSeconds: rules[limit].windowSeconds })),
    );
    const counted = limited.map(([limit, key], index) => ({ limit, key, rule: rules[limit], hit: hits[index]! }));
    const ids = counted.map(({ hit }) => hit.id);
    const over = counted.find(({ hit, rule }) => hit.count > rule.max);
    if (over) {
      for (const { limit, key, rule, hit } of counted)
        if (hit.count > rule.max) this.#block(instanceId, limit, key, rule);
      await forgetRateLimitHits(ids);
      return {
        refusal: { limit: over.limit, seconds: over.rule.windowSeconds },
        succeeded: async () => {},
        failed: async () => {},
      };
    }
    return {
      refusal: null,
      succeeded: () => forgetRateLimitHits(ids),
      failed: async () => {
        for (const { limit, key, rule, hit } of counted) {
          this.#suspects.set(blockKey(instanceId, limit, key, rule), Date.now() + rule.windowSeconds * 1000);
          if (hit.count >= rule.max) this.#block(instanceId, limit, key, rule);
        }
      },
    };
  }

  /** Counts a failure that was not counted before it was checked (see `suspected`). */
  async fail(instanceId: string, keys: ThrottleKey[]): Promise<void> {
    const rules = await this.rules(instanceId);
    const limited = keys.filter(([limit]) => rules[limit].max > 0);
    for (const [limit, key] of limited)
      this.#suspects.set(
        blockKey(instanceId, limit, key, rules[limit]),
        Date.now() + rules[limit].windowSeconds * 1000,
      );
    try {
      const hits = await countRateLimitHits(
        instanceId,
        limited.map(([limit, key]) => ({ limit, rawKey: key, windowSeconds: rules[limit].windowSeconds })),
      );
      limited.forEach(([limit, key], index) => {
        if (hits[index]!.count >= rules[limit].max) this.#block(instanceId, limit, key, rules[limit]);
      });
    } catch (error) {
      // Best effort: a failed count must not turn a refused authentication into a server error.
      this.#log.warn({ err: error, limits: limited.map(([limit]) => limit) }, 'a throttle could not count a failure');
    }
  }

  /**
   * Whether one of `keys` failed in this process within its window. Requests on a hot path (client authentication at
   * the token endpoint) are counted before they are checked (`attempt`) only then, and otherwise pay no database
   * round trip: their failures are counted afterwards (`fail`).
   */
  async suspected(instanceId: string, keys: ThrottleKey[]): Promise<boolean> {
    if (this.#suspects.size === 0) return false;
    const rules = await this.rules(instanceId);
    const now = Date.now();
    return keys.some(([limit, key]) => (this.#suspects.get(blockKey(instanceId, limit, key, rules[limit])) ?? 0) > now);
  }

  #block(instanceId: string, limit: RateLimitName, key: string, rule: RateLimitRule): void {
    this.#blocked.set(blockKey(instanceId, limit, key, rule), Date.now() + rule.windowSeconds * 1000);
  }

  /** Counts a request (in this process); the refusal when it is over its limit. */
  async consume(instanceId: string, [limit, key]: ThrottleKey): Promise<Refusal | null> {
    const { max, windowSeconds } = (await this.rules(instanceId))[limit];
    if (max === 0) return null;
    const id = `${instanceId}\0${limit}\0${max}\0${windowSeconds}`;
    let limiter = this.#requestLimiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterMemory({ points: max, duration: windowSeconds, keyPrefix: id });
      this.#requestLimiters.set(id, limiter);
    }
    try {
      await limiter.consume(key);
      return null;
    } catch (error) {
      if (error instanceof RateLimiterRes) return { limit, seconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
      throw error;
    }
  }

  /** Counts a refusal in the metric and answers 429 with `Retry-After`; the caller writes the body. */
  refuse(ctx: Context, refusal: Refusal): void {
    rejections.inc({ limit: refusal.limit });
    ctx.status = 429;
    ctx.set('Retry-After', String(refusal.seconds));
  }
}

/** A block belongs to the rule that set it: changing an instance's limits lifts the blocks of the old ones. */
function blockKey(instanceId: string, limit: RateLimitName, key: string, rule: RateLimitRule): string {
  return JSON.stringify([instanceId, limit, key, rule.max, rule.windowSeconds]);
}

function secondsUntil(until: number): number {
  const ms = until - Date.now();
  return ms > 0 ? Math.max(1, Math.ceil(ms / 1000)) : 0;
}

/** "30 seconds", "5 minutes": how long a person is asked to wait. */
export function waitText(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
