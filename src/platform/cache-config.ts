import { z } from 'zod';

/** The per-instance caches' settings (store/cache/), in the configuration's top level (platform/config.ts). */
export const cacheSettings = {
  /** How often each process looks for changes made by other processes to what it caches (the staleness bound). */
  cacheRevisionPollMs: z.number().int().min(10).max(60_000),
  /**
   * How many entries a process's instance caches hold at most, all instances together (store/cache/instance-cache.ts):
   * about 1 KB of heap each for a user's record. 50,000: two and a half instances at their own cap of 20,000.
   */
  cacheMaxEntries: z.number().int().min(1_000).max(10_000_000),
};
