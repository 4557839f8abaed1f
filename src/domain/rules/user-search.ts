/**
 * A user search of one organization as ZITADEL's ListUsers takes it (proto/zitadel/user.proto `SearchQuery`, the text
 * methods of zitadel.v1.TextQueryMethod): every query must match (AND), text fields with a method, state and type by
 * equality. Translated here to a database filter over the user documents; the caller adds the instance and org, so a
 * search never reaches another organization's users (seed 004).
 *
 * Cost: FerretDB v1 evaluates a `$regex` in Go over the documents its index narrows to (docs/ferretdb.md), and
 * MongoDB serves only a case-sensitive prefix from an index. So every text field is compared on a lower-cased copy
 * (`username` and `human.email` are stored lower-cased; the names in `search`, store/models/user-search-keys.ts):
 * equality is an index lookup, a prefix an anchored regex, and a case-sensitive method adds a check on the field as
 * stored to the lower-cased match (on the names; usernames and emails have no case to check, see TEXT_PATHS).
 */

export const TEXT_FIELDS = ['userName', 'loginName', 'displayName', 'email', 'firstName', 'lastName'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/** ZITADEL's TEXT_QUERY_METHOD_* names in camel case. */
export const TEXT_METHODS = [
  'equals',
  'equalsIgnoreCase',
  'startsWith',
  'startsWithIgnoreCase',
  'contains',
  'containsIgnoreCase',
  'endsWith',
  'endsWithIgnoreCase',
] as const;
export type TextMethod = (typeof TEXT_METHODS)[number];

export const USER_STATES = ['active', 'inactive', 'locked'] as const;
export const USER_TYPES = ['human', 'machine'] as const;

/** The longest value a text query compares (ZITADEL's `max_len: 200` on every user query). */
export const MAX_QUERY_VALUE = 200;
/** The most queries one search combines. */
export const MAX_QUERIES = 10;

export type UserSearchQuery =
  | { field: TextField; method: TextMethod; value: string }
  | { field: 'state'; value: (typeof USER_STATES)[number] }
  | { field: 'type'; value: (typeof USER_TYPES)[number] };

type Filter = Record<string, unknown>;

const MATCH_NOTHING: Filter = { _id: { $in: [] } };
const MATCH_ALL: Filter = {};

export const escapeRegex = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type Shape = 'equals' | 'startsWith' | 'contains' | 'endsWith';

function shapeOf(method: TextMethod): { shape: Shape; ignoreCase: boolean } {
  const ignoreCase = method.endsWith('IgnoreCase');
  return { shape: (ignoreCase ? method.slice(0, -'IgnoreCase'.length) : method) as Shape, ignoreCase };
}

/** The condition on one field: equality, or a regex of the escaped value anchored as the shape says. */
function comparison(field: string, shape: Shape, value: string): Filter {
  if (shape === 'equals') return { [field]: value };
  const pattern = escapeRegex(value);
  const anchored = { startsWith: `^${pattern}`, contains: pattern, endsWith: `${pattern}$` }[shape];
  return { [field]: { $regex: anchored } };
}

const or = (conditions: Filter[]): Filter => {
  if (conditions.some((condition) => Object.keys(condition).length === 0)) return MATCH_ALL;
  if (conditions.length === 0) return MATCH_NOTHING;
  return conditions.length === 1 ? conditions[0]! : { $or: conditions };
};

/**
 * A login name is `username@primaryDomain` (users.ts loginNameOf), so within one org a method on it is one on the
 * username: the part of the value before the domain must match the username, the rest the domain.
 */
function loginNameCondition(shape: Shape, value: string, primaryDomain: string): Filter {
  const suffix = `@${primaryDomain.toLowerCase()}`;
  /** The usernames that, followed by the first `length` characters of the suffix, end the value. */
  const endingInSuffix = (match: (username: string) => Filter) =>
    Array.from({ length: suffix.length }, (_, index) => index + 1)
      .filter((length) => value.length > length && value.endsWith(suffix.slice(0, length)))
      .map((length) => match(value.slice(0, -length)));
  switch (shape) {
    case 'equals':
      return value.endsWith(suffix) && value.length > suffix.length
        ? { username: value.slice(0, -suffix.length) }
        : MATCH_NOTHING;
    case 'startsWith':
      return or([comparison('username', 'startsWith', value), ...endingInSuffix((username) => ({ username }))]);
    case 'endsWith':
      if (suffix.endsWith(value)) return MATCH_ALL;
      return value.endsWith(suffix)
        ? comparison('username', 'endsWith', value.slice(0, -suffix.length))
        : MATCH_NOTHING;
    case 'contains':
      if (suffix.includes(value)) return MATCH_ALL;
      return or([
        comparison('username', 'contains', value),
        ...endingInSuffix((username) => comparison('username', 'endsWith', username)),
      ]);
  }
}

/**
 * For each field: the lower-cased copy compared, and where the value is as typed. Usernames, login names and emails
 * are case-insensitive identifiers stored lower-cased (their case as typed is not kept), so every method compares
 * them without case.
 */
const TEXT_PATHS: Record<Exclude<TextField, 'loginName'>, { lower: string; asStored: string[] }> = {
  userName: { lower: 'username', asStored: [] },
  email: { lower: 'human.email', asStored: [] },
  displayName: { lower: 'search.displayName', asStored: ['human.displayName', 'machine.name'] },
  firstName: { lower: 'search.givenName', asStored: ['human.givenName'] },
  lastName: { lower: 'search.familyName', asStored: ['human.familyName'] },
};

function textCondition(field: TextField, method: TextMethod, value: string, primaryDomain: string): Filter {
  const { shape, ignoreCase } = shapeOf(method);
  const lowered = value.toLowerCase();
  if (field === 'loginName') return loginNameCondition(shape, lowered, primaryDomain);
  const paths = TEXT_PATHS[field];
  const narrowed = comparison(paths.lower, shape, lowered);
  if (ignoreCase || !paths.asStored.length) return narrowed;
  return { $and: [narrowed, or(paths.asStored.map((path) => comparison(path, shape, value)))] };
}

/** The database filter of a search's queries (all must match), to be combined with the instance and the org. */
export function userSearchFilter(queries: readonly UserSearchQuery[], org: { primaryDomain: string }): Filter {
  const conditions = queries.map((query) => {
    if (query.field === 'state') return { state: query.value };
    if (query.field === 'type') return { type: query.value };
    return textCondition(query.field, query.method, query.value, org.primaryDomain);
  });
  const meaningful = conditions.filter((condition) => Object.keys(condition).length > 0);
  return meaningful.length ? { $and: meaningful } : {};
}
