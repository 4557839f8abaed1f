import { filter as matcherOf, parse, type Filter } from 'scim2-parse-filter';
import { escapeRegex } from '../rules/user-search.ts';
import { SCIM_LIMITS, scimInvalid } from './protocol.ts';

/** A MongoDB query document, of the operators FerretDB v1 executes too ($and, $or, $nor, comparisons, $regex). */
export type UserQuery = Record<string, unknown>;

type Kind = 'exact' | 'lowercased' | 'caseless' | 'date' | 'boolean';

/**
 * The filterable User attributes and the user field each reads. Only id and externalId are caseExact (RFC 7643 §4.1,
 * §3.1); userName and emails are stored lower-cased, so the compared value is lower-cased and the index serves the
 * query; the names compare case-insensitively.
 */
const ATTRIBUTES: Record<string, { field: string; kind: Kind }> = {
  id: { field: '_id', kind: 'exact' },
  externalid: { field: 'externalId', kind: 'exact' },
  username: { field: 'username', kind: 'lowercased' },
  emails: { field: 'human.email', kind: 'lowercased' },
  'emails.value': { field: 'human.email', kind: 'lowercased' },
  'name.givenname': { field: 'human.givenName', kind: 'caseless' },
  'name.familyname': { field: 'human.familyName', kind: 'caseless' },
  displayname: { field: 'human.displayName', kind: 'caseless' },
  active: { field: 'state', kind: 'boolean' },
  'meta.created': { field: 'createdAt', kind: 'date' },
  'meta.lastmodified': { field: 'updatedAt', kind: 'date' },
};
const CORE_PREFIX = 'urn:ietf:params:scim:schemas:core:2.0:user:';

function attributeOf(attrPath: string): { field: string; kind: Kind } {
  const lower = attrPath.toLowerCase();
  const attribute = ATTRIBUTES[lower.startsWith(CORE_PREFIX) ? lower.slice(CORE_PREFIX.length) : lower];
  if (!attribute) throw scimInvalid('invalidFilter', `cannot filter on ${attrPath}`);
  return attribute;
}

function dateValue(value: unknown, attrPath: string): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw scimInvalid('invalidFilter', `${attrPath} compares with a dateTime`);
  return date;
}

/** `active eq true` is `state: active`; a locked or deactivated user is not active. */
function activeComparison(op: string, value: unknown): UserQuery {
  if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne'))
    throw scimInvalid('invalidFilter', 'active supports eq and ne with true or false');
  return (op === 'eq') === value ? { state: 'active' } : { state: { $ne: 'active' } };
}

const RANGE: Record<string, string> = { gt: '$gt', ge: '$gte', lt: '$lt', le: '$lte' };

function comparison(op: string, attrPath: string, compValue: unknown): UserQuery {
  const { field, kind } = attributeOf(attrPath);
  if (op === 'pr') return { [field]: { $exists: true, $nin: [null, ''] } };
  if (kind === 'boolean') return activeComparison(op, compValue);
  if (kind === 'date') {
    const date = dateValue(compValue, attrPath);
    if (op === 'eq') return { [field]: date };
    if (op === 'ne') return { [field]: { $ne: date } };
    if (RANGE[op]) return { [field]: { [RANGE[op]]: date } };
    throw scimInvalid('invalidFilter', `${attrPath} supports eq, ne, gt, ge, lt, le and pr`);
  }
  if (typeof compValue !== 'string') throw scimInvalid('invalidFilter', `${attrPath} compares with a string`);
  const value = kind === 'lowercased' ? compValue.toLowerCase() : compValue;
  const matching = (pattern: string) => ({
    [field]: { $regex: pattern, ...(kind === 'caseless' ? { $options: 'i' } : {}) },
  });
  const pattern = escapeRegex(value);
  switch (op) {
    case 'eq':
      return kind === 'caseless' ? matching(`^${pattern}$`) : { [field]: value };
    case 'ne':
      return { $nor: [kind === 'caseless' ? matching(`^${pattern}$`) : { [field]: value }] };
    case 'co':
      return matching(pattern);
    case 'sw':
      return matching(`^${pattern}`);
    case 'ew':
      return matching(`${pattern}$`);
    default:
      throw scimInvalid('invalidFilter', `${attrPath} supports eq, ne, co, sw, ew and pr`);
  }
}

/**
 * `emails[value co "x"]` as `emails.value co "x"` (RFC 7644 §3.4.2.2 value paths). Written here: the library's
 * flatten() recurses without end on a `not` (scim2-parse-filter 0.2.10).
 */
function underParent(filter: Filter, parent: string): Filter {
  switch (filter.op) {
    case 'and':
    case 'or':
      return { ...filter, filters: filter.filters.map((inner) => underParent(inner, parent)) };
    case 'not':
      return { ...filter, filter: underParent(filter.filter, parent) };
    case '[]':
      throw scimInvalid('invalidFilter', `a value filter inside ${parent}[…]`);
    default:
      return { ...filter, attrPath: `${parent}.${filter.attrPath}` };
  }
}

function translate(filter: Filter): UserQuery {
  switch (filter.op) {
    case 'and':
      return { $and: filter.filters.map(translate) };
    case 'or':
      return { $or: filter.filters.map(translate) };
    case 'not':
      return { $nor: [translate(filter.filter)] };
    case '[]':
      return translate(underParent(filter.valFilter, filter.attrPath));
    default:
      return comparison(filter.op, filter.attrPath, 'compValue' in filter ? filter.compValue : undefined);
  }
}

function parsed(filter: string): Filter {
  if (filter.length > SCIM_LIMITS.maxFilterLength)
    throw scimInvalid('invalidFilter', `a filter has at most ${SCIM_LIMITS.maxFilterLength} characters`);
  try {
    return parse(filter);
  } catch {
    throw scimInvalid('invalidFilter', 'the filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2)');
  }
}

/**
 * A SCIM filter as a predicate over representations, for resources Castellan computes rather than stores (Groups:
 * the org's assignable roles, a list bounded by its projects' roles), evaluated by the scim2-parse-filter library.
 */
export function resourceFilterOf(filter: string | undefined): (resource: object) => boolean {
  if (filter === undefined || filter.trim() === '') return () => true;
  return matcherOf(parsed(filter));
}

/**
 * A SCIM filter (RFC 7644 §3.4.2.2) as a database query over an org's users: evaluated by the database before paging,
 * so totalResults and startIndex count matches. `emails[value co "x"]` is read as `emails.value co "x"`.
 */
export function userQueryOf(filter: string | undefined): UserQuery {
  if (filter === undefined || filter.trim() === '') return {};
  return translate(parsed(filter));
}

const SORTABLE: Record<string, string> = {
  id: '_id',
  externalid: 'externalId',
  username: 'username',
  emails: 'human.email',
  'emails.value': 'human.email',
  'name.givenname': 'human.givenName',
  'name.familyname': 'human.familyName',
  displayname: 'human.displayName',
  'meta.created': 'createdAt',
  'meta.lastmodified': 'updatedAt',
};

/** sortBy and sortOrder (RFC 7644 §3.4.2.3) as a database sort, ties broken by id so pages never overlap. */
export function userSortOf(sortBy: string | undefined, sortOrder: string | undefined): Record<string, 1 | -1> {
  const direction = sortOrder?.toLowerCase() === 'descending' ? -1 : 1;
  if (sortOrder && !['ascending', 'descending'].includes(sortOrder.toLowerCase()))
    throw scimInvalid('invalidValue', 'sortOrder: ascending or descending');
  if (!sortBy) return { _id: 1 };
  const field = SORTABLE[sortBy.toLowerCase()];
  if (!field) throw scimInvalid('invalidValue', `sortBy: cannot sort by ${sortBy}`);
  return field === '_id' ? { _id: direction } : { [field]: direction, _id: direction };
}

/** startIndex (1-based) and count as skip and limit, clamped as RFC 7644 §3.4.2.4 says. */
export function pageOf(startIndex: unknown, count: unknown): { skip: number; limit: number } {
  const integer = (value: unknown, fallback: number, name: string) => {
    if (value === undefined || value === '') return fallback;
    const number = Number(value);
    if (!Number.isInteger(number)) throw scimInvalid('invalidValue', `${name}: must be an integer`);
    return number;
  };
  const start = Math.max(1, integer(startIndex, 1, 'startIndex'));
  const limit = Math.min(SCIM_LIMITS.maxResults, Math.max(0, integer(count, SCIM_LIMITS.maxResults, 'count')));
  return { skip: start - 1, limit };
}
