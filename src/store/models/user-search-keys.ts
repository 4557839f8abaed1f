import { Schema } from 'mongoose';

/**
 * Lower-cased copies of the names a user search compares (domain/rules/user-search.ts): a case-insensitive `$regex`
 * is served by no index (MongoDB) and evaluated in Go over every candidate (FerretDB v1), while an anchored regex or an
 * equality on a lower-cased copy is an index range. Kept by the schema on every write, so no command can forget them.
 */
export const searchKeysSchema = new Schema(
  {
    /** What the console and the claims show: the human's display name, or the machine's name. */
    displayName: { type: String },
    givenName: { type: String },
    familyName: { type: String },
  },
  { _id: false },
);

/** Each stored field and the search key it fills. */
const SOURCES = {
  'human.displayName': 'search.displayName',
  'machine.name': 'search.displayName',
  'human.givenName': 'search.givenName',
  'human.familyName': 'search.familyName',
} as const;

const lower = (value: unknown): string | undefined => (typeof value === 'string' ? value.toLowerCase() : undefined);

export interface Named {
  human?: { displayName?: string | null; givenName?: string | null; familyName?: string | null } | null;
  machine?: { name?: string | null } | null;
}

export function searchKeysOf(user: Named): Record<string, string | undefined> {
  return {
    displayName: lower(user.human?.displayName ?? user.machine?.name),
    givenName: lower(user.human?.givenName),
    familyName: lower(user.human?.familyName),
  };
}

/** The `$set` of the search keys an update's `$set` of names implies (a whole `human` or `machine`, or one name). */
function searchKeysSet(set: Record<string, unknown>): Record<string, string | undefined> {
  const keys: Record<string, string | undefined> = {};
  for (const whole of ['human', 'machine'] as const)
    if (set[whole] && typeof set[whole] === 'object') {
      const found = searchKeysOf({ [whole]: set[whole] } as Named);
      for (const [name, value] of Object.entries(found)) if (value !== undefined) keys[`search.${name}`] = value;
    }
  for (const [source, key] of Object.entries(SOURCES)) if (source in set) keys[key] = lower(set[source]);
  return keys;
}

/** Keeps `search` in step with the names on create, save and the update queries the commands use. */
export function keepSearchKeys(schema: Schema): void {
  schema.pre('validate', function fillSearchKeys() {
    this.set('search', searchKeysOf(this.toObject() as Named));
  });
  schema.pre(['findOneAndUpdate', 'updateOne', 'updateMany'], function followNames() {
    const update = this.getUpdate() as Record<string, unknown> | null;
    if (!update || Array.isArray(update)) return;
    const set = (update.$set ?? {}) as Record<string, unknown>;
    const keys = searchKeysSet(set);
    if (Object.keys(keys).length) update.$set = { ...set, ...keys };
  });
}
