import type { Console, Params, RouteKey } from './kit.ts';

/** Rows per console page; the API's limit/offset pages beneath (api/schemas.ts `page`, at most 500 a request). */
export const PAGE_SIZE = 100;

/** Links to the neighbouring pages (console-relative query strings that keep the page's other query, e.g. a search). */
export interface Paging {
  previous: string | null;
  next: string | null;
  /** 1-based positions of the first and last row shown. */
  from: number;
  to: number;
}

/** A list that could not be read (a refused search): nothing to page. */
export const NO_PAGES: Paging = { previous: null, next: null, from: 0, to: 0 };

function offsetOf(c: Console, name: string): number {
  const raw = c.ctx.query[name];
  return typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : 0;
}

function linkTo(c: Console, name: string, offset: number): string {
  const query = new URLSearchParams(c.ctx.querystring);
  if (offset > 0) query.set(name, String(offset));
  else query.delete(name);
  const text = query.toString();
  return text ? `?${text}` : '?';
}

export interface PageRequest {
  query?: Record<string, string>;
  /** A search route's body (POST …/_search): limit and offset go in it instead of the query. */
  body?: Record<string, unknown>;
  /** The page's query parameter of this list's offset, when a page shows more than one list. */
  offsetParam?: string;
}

/**
 * One page of a list route with limit/offset: one row more than shown is asked for, so a next page is linked only when
 * it has rows.
 */
export async function pageOf<T>(
  c: Console,
  key: RouteKey,
  params: Params,
  rowsOf: (body: Record<string, unknown>) => T[],
  { query = {}, body, offsetParam = 'offset' }: PageRequest = {},
): Promise<{ rows: T[]; paging: Paging }> {
  const offset = offsetOf(c, offsetParam);
  const window = { limit: PAGE_SIZE + 1, offset };
  const found = body
    ? await c.call(key, params, { ...body, ...window }, query)
    : await c.call(key, params, undefined, { ...query, limit: String(window.limit), offset: String(offset) });
  const fetched = rowsOf(found);
  const rows = fetched.slice(0, PAGE_SIZE);
  return {
    rows,
    paging: {
      previous: offset > 0 ? linkTo(c, offsetParam, Math.max(0, offset - PAGE_SIZE)) : null,
      next: fetched.length > PAGE_SIZE ? linkTo(c, offsetParam, offset + PAGE_SIZE) : null,
      from: rows.length ? offset + 1 : 0,
      to: offset + rows.length,
    },
  };
}
