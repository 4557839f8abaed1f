import type { FormState } from './kit.ts';
import type { Console } from './kit.ts';

/** The fields a manager searches in, as the API names them (api/user-search.ts). */
const SEARCH_FIELDS = [
  { value: 'displayName', label: 'Name' },
  { value: 'userName', label: 'Username' },
  { value: 'loginName', label: 'Login name' },
  { value: 'email', label: 'Email' },
  { value: 'firstName', label: 'Given name' },
  { value: 'lastName', label: 'Family name' },
];
/** The console matches without case, as a person searching expects; the API also has the case-sensitive methods. */
const SEARCH_METHODS = [
  { value: 'containsIgnoreCase', label: 'contains' },
  { value: 'startsWithIgnoreCase', label: 'starts with' },
  { value: 'equalsIgnoreCase', label: 'is exactly' },
];
const ANY = { value: '', label: 'Any' };
const STATES = [ANY, ...['active', 'inactive', 'locked'].map((value) => ({ value, label: value }))];
const TYPES = [ANY, { value: 'human', label: 'Person' }, { value: 'machine', label: 'Machine' }];

export const userSearchOptions = { fields: SEARCH_FIELDS, methods: SEARCH_METHODS, states: STATES, types: TYPES };

const NAMES = ['field', 'method', 'value', 'state', 'type'] as const;

/**
 * The search a users page's GET form asks for, as the body of POST /orgs/{orgId}/users/_search: the text query when a
 * value is typed, state and type when chosen. What is sent is what was typed, for the route to validate.
 */
export function userSearchOf(c: Console): { body: { queries: unknown[] }; form: FormState } {
  const values: Record<string, string> = {};
  for (const name of NAMES) {
    const raw = c.ctx.query[name];
    if (typeof raw === 'string' && raw.trim()) values[name] = raw.trim();
  }
  const queries: unknown[] = [];
  if (values.value)
    queries.push({
      field: values.field ?? SEARCH_FIELDS[0]!.value,
      method: values.method ?? SEARCH_METHODS[0]!.value,
      value: values.value,
    });
  if (values.state) queries.push({ field: 'state', value: values.state });
  if (values.type) queries.push({ field: 'type', value: values.type });
  return { body: { queries }, form: { action: 'search', values, errors: {} } };
}
