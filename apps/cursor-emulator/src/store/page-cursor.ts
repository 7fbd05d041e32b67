import { validationError } from '../errors/cursor-http-error';

/** Lists are newest first; a page cursor is the (opaque) creation position of the page's last item. */
export interface PageQuery {
  limit: number;
  /** Only items created before this position. */
  before: number;
}

export function readPageQuery(limit: string | undefined, cursor: string | undefined): PageQuery {
  let parsedLimit = 20;
  if (limit !== undefined) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 100) {
      throw validationError('limit must be a whole number from 1 to 100');
    }
    parsedLimit = Number(limit);
  }
  let before = Number.POSITIVE_INFINITY;
  if (cursor !== undefined && cursor !== '') {
    const decoded = Buffer.from(cursor, 'base64url').toString();
    const match = /^p:(\d+)$/.exec(decoded);
    if (!match) throw validationError('cursor is not a cursor this API returned');
    before = Number(match[1]);
  }
  return { limit: parsedLimit, before };
}

/** Cuts one page from items sorted newest first, each with its creation position. */
export function takePage<T>(items: T[], positionOf: (item: T) => number, query: PageQuery) {
  const remaining = items.filter((item) => positionOf(item) < query.before);
  const page = remaining.slice(0, query.limit);
  const last = page[page.length - 1];
  const nextCursor =
    remaining.length > query.limit && last !== undefined
      ? Buffer.from(`p:${positionOf(last)}`).toString('base64url')
      : null;
  return { page, nextCursor };
}
