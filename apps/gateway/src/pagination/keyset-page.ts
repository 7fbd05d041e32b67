import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decodePageToken, encodePageToken } from './page-token';

export type ListOrder = 'asc' | 'desc';

export interface PageRequest {
  limit: number;
  order: ListOrder;
  /** A `next_page` / `prev_page` token from an earlier answer. */
  page?: string;
}

export interface Page<T> {
  items: T[];
  nextPage: string | null;
  prevPage: string | null;
}

/**
 * One page of rows ordered by their `id` (ids are sortable by creation time), continuing after or
 * before the row a page token names. Reads one row more than asked to know whether more follow.
 */
export async function fetchKeysetPage<T extends ObjectLiteral & { id: string }>(
  query: SelectQueryBuilder<T>,
  request: PageRequest,
): Promise<Page<T>> {
  const alias = query.alias;
  const position = request.page === undefined ? undefined : decodePageToken(request.page);
  const backwards = position?.direction === 'before';
  // Reading backwards walks the list in reverse, then flips the page back into the list's order.
  const ascending = (request.order === 'asc') !== backwards;
  if (position) {
    query.andWhere(`${alias}.id ${ascending ? '>' : '<'} :pageId`, { pageId: position.id });
  }
  const rows = await query
    .orderBy(`${alias}.id`, ascending ? 'ASC' : 'DESC')
    .take(request.limit + 1)
    .getMany();
  const more = rows.length > request.limit;
  const items = rows.slice(0, request.limit);
  if (backwards) items.reverse();
  if (items.length === 0) return { items, nextPage: null, prevPage: null };

  const first = items[0].id;
  const last = items[items.length - 1].id;
  const hasNext = backwards ? true : more;
  const hasPrev = backwards ? more : position !== undefined;
  return {
    items,
    nextPage: hasNext ? encodePageToken({ direction: 'after', id: last }) : null,
    prevPage: hasPrev ? encodePageToken({ direction: 'before', id: first }) : null,
  };
}
