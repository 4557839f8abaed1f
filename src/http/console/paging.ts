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

function offsetOf(c: Console): number {
  const raw = c.ctx.query.offset;
  return typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : 0;
}

function linkTo(c: Console, offset: number): string {
  const query = new URLSearchParams(c.ctx.querystring);
  if (offset > 0) query.set('offset', String(offset));
  else query.delete('offset');
  const text = query.toString();
  return text ? `?${text}` : '?';
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
  query: Record<string, string> = {},
): Promise<{ rows: T[]; paging: Paging }> {
  const offset = offsetOf(c);
  const body = await c.call(key, params, undefined, {
    ...query,
    limit: String(PAGE_SIZE + 1),
    offset: String(offset),
  });
  const fetched = rowsOf(body);
  const rows = fetched.slice(0, PAGE_SIZE);
  return {
    rows,
    paging: {
      previous: offset > 0 ? linkTo(c, Math.max(0, offset - PAGE_SIZE)) : null,
      next: fetched.length > PAGE_SIZE ? linkTo(c, offset + PAGE_SIZE) : null,
      from: rows.length ? offset + 1 : 0,
      to: offset + rows.length,
    },
  };
}
